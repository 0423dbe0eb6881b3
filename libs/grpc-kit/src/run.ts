import { realpathSync } from "node:fs";
import { pathToFileURL } from "node:url";
import type { Logger } from "pino";
import { installedCallHooks } from "./call-hooks.js";
import { ConfigError, loadServiceConfig, type ServiceConfig, type ServiceName } from "./config.js";
import type { InProcessRegistry } from "./in-process.js";
import type { ServerMiddleware } from "./middleware.js";
import { createLogger } from "./logger.js";
import { startService, type RunningService } from "./server.js";
import type { ServiceRegistration } from "./server-handlers.js";
import { reportEventLoopDelay } from "./loop-delay.js";

/** What an app's main hands to runService. */
export interface App {
  readonly services: readonly ServiceRegistration[];
  /** Runs around every call of every service, inside the call log (the app's metrics). */
  readonly middleware?: readonly ServerMiddleware[];
  /** Startup recovery; health stays NOT_SERVING until it resolves. */
  recover?(): Promise<void>;
  /** Called when the process starts stopping, before the calls in flight are waited for: ends calls that never end by themselves (watch streams). */
  stopping?(): void;
  /** Called after the server drained, before exit. */
  close?(): Promise<void>;
}

/**
 * The whole life of a service process: validated config, server up as NOT_SERVING, recovery,
 * SERVING, and on SIGTERM/SIGINT NOT_SERVING, drain, close, exit 0. Bad config or a port in use
 * prints one line naming it and exits non-zero. A process that hosts several apps passes the
 * registry they share (config.inProcess).
 */
export function runService(
  name: ServiceName,
  build: (config: ServiceConfig, logger: Logger) => Promise<App> | App,
  inProcess?: InProcessRegistry,
): Promise<RunningService> {
  const hooks = installedCallHooks();
  // What the app starts by itself (timers, watches, the calls they make) is its own work: traced as the app's.
  return hooks ? hooks.runAs(name, () => serve(name, build, inProcess)) : serve(name, build, inProcess);
}

async function serve(name: ServiceName, build: (config: ServiceConfig, logger: Logger) => Promise<App> | App, inProcess?: InProcessRegistry) {
  const logger = createLogger(name);
  reportEventLoopDelay(logger);
  try {
    const config: ServiceConfig = { ...loadServiceConfig(name, undefined, undefined, logger), inProcess };
    const app = await build(config, logger);
    const { bind, certificates, socketGroup } = config;
    const running = await startService({
      name,
      bind,
      certificates,
      socketGroup,
      logger,
      services: app.services,
      middleware: app.middleware,
      inProcess,
    });
    stopOnSignal(async (signal) => {
      logger.info({ signal }, `${name} stopping`);
      app.stopping?.();
      await running.shutdown();
      await app.close?.();
      certificates?.close();
      logger.flush();
    });
    await app.recover?.();
    running.setServing();
    logger.info(`${name} ready`);
    return running;
  } catch (err) {
    const message = err instanceof Error ? err.message : String(err);
    process.stderr.write(`${name}: ${message}\n`);
    if (!(err instanceof ConfigError)) logger.error({ err }, "startup failed");
    process.exit(err instanceof ConfigError ? 2 : 1);
  }
}

/** True when `moduleUrl` (a main module's import.meta.url) is the script node was started with. */
export function isEntryPoint(moduleUrl: string): boolean {
  const script = process.argv[1];
  return script !== undefined && pathToFileURL(realpathSync(script)).href === moduleUrl;
}

// Signals and exit belong to the process, not to one app or one stack: whatever apps a process runs stop
// together, once. Tests start servers with startService and stop them with shutdown(), never through here.
const stoppers: ((signal: string) => Promise<void>)[] = [];
let stopping: Promise<void> | undefined;

/**
 * Registers how an app of this process stops. On SIGTERM or SIGINT every app stops, the last started
 * first (when one process hosts them all: engine-api, then the orchestrator, then the stores, so that
 * each drains while what it calls is still up), then the process exits 0.
 */
export function stopOnSignal(stop: (signal: string) => Promise<void>): void {
  if (stoppers.length === 0) process.once("SIGTERM", () => void stopAll("SIGTERM")).once("SIGINT", () => void stopAll("SIGINT"));
  stoppers.push(stop);
}

function stopAll(signal: string): Promise<void> {
  return (stopping ??= (async () => {
    for (const stop of [...stoppers].reverse()) await stop(signal);
    process.exit(0);
  })());
}
