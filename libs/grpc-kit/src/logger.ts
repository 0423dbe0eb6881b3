import { installedCallHooks } from "./call-hooks.js";
import { pino, type DestinationStream, type Logger } from "pino";

export type { Logger };

let stdout: DestinationStream | undefined;

/**
 * JSON logs on stdout, one object per line, tagged with the app name. Written asynchronously: lines
 * that arrive while a write is in flight go out together in the next one, so a busy process spends no
 * main-thread time per line in write(2) (one line per call). Every logger of the process shares one
 * writer (the apps of npm start share a process), so lines never interleave; pino flushes what is
 * pending when the process exits.
 */
export function createLogger(app: string, level = process.env.SLIPWAY_LOG_LEVEL ?? "info"): Logger {
  stdout ??= pino.destination({ dest: 1, sync: false });
  // A line logged during a traced call names its trace (trace_id, span_id): only when calls are observed.
  const mixin = installedCallHooks()?.logFields;
  return pino({ name: app, level, base: { app }, timestamp: pino.stdTimeFunctions.isoTime, mixin }, stdout);
}
