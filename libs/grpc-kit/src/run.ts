import type { Logger } from "pino";
import { ConfigError, loadServiceConfig, type ServiceConfig, type ServiceName } from "./config.js";
import { createLogger } from "./logger.js";
import { startService, type RunningService } from "./server.js";
import type { ServiceRegistration } from "./server-handlers.js";

/** What an app's main hands to runService. */
export interface App {
  readonly services: readonly ServiceRegistration[];
  /** Startup recovery; health stays NOT_SERVING until it resolves. */
  recover?(): Promise<void>;
  /** Called after the server drained, before exit. */
  close?(): Promise<void>;
}

/**
 * The whole life of a service process: validated config, server up as NOT_SERVING, recovery,
 * SERVING, and on SIGTERM/SIGINT NOT_SERVING, drain, close, exit 0. Bad config or a port in use
 * prints one line naming it and exits non-zero.
 */
export async function runService(
  name: ServiceName,
  build: (config: ServiceConfig, logger: Logger) => Promise<App> | App,
): Promise<RunningService> {
  const logger = createLogger(name);
  try {
    const config = loadServiceConfig(name);
    const app = await build(config, logger);
    const running = await startService({ name, bind: config.bind, logger, services: app.services });
    const stop = once(async (signal: string) => {
      logger.info({ signal }, `${name} stopping`);
      await running.shutdown();
      await app.close?.();
      logger.flush();
      process.exit(0);
    });
    process.once("SIGTERM", () => void stop("SIGTERM")).once("SIGINT", () => void stop("SIGINT"));
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

function once<A extends unknown[]>(fn: (...args: A) => Promise<void>): (...args: A) => Promise<void> {
  let running: Promise<void> | undefined;
  return (...args) => (running ??= fn(...args));
}
