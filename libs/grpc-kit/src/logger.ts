import { pino, type Logger } from "pino";

export type { Logger };

/** JSON logs on stdout, one object per line, tagged with the app name. */
export function createLogger(app: string, level = process.env.SLIPWAY_LOG_LEVEL ?? "info"): Logger {
  return pino({ name: app, level, base: { app }, timestamp: pino.stdTimeFunctions.isoTime });
}
