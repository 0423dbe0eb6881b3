import type { App, Logger, ServiceConfig } from "@slipway/grpc-kit";
import { AppMetrics } from "./app-metrics.js";
import { loadMetricsConfig, type MetricsContext } from "./config.js";
import { startMetricsEndpoint, type MetricsEndpoint } from "./endpoint.js";

/**
 * An app's build for runService, with its metrics unless SLIPWAY_METRICS=off (then exactly as without):
 * `build` gets the metrics, to observe its flush rounds and what it holds, and a config whose clients report
 * their calls; the app's servers count every call, and its endpoint serves until the app closes.
 */
export function withMetrics(
  app: string,
  build: (config: ServiceConfig, logger: Logger, metrics?: AppMetrics) => App | Promise<App>,
  env: NodeJS.ProcessEnv = process.env,
): (config: ServiceConfig, logger: Logger) => Promise<App> {
  return async (config, logger) => {
    const started = await startAppMetrics(app, config, logger, env);
    if (!started) return build(config, logger);
    const { metrics, endpoint } = started;
    try {
      const built = await build({ ...config, observeClientCalls: metrics.grpcClient }, logger, metrics);
      return {
        ...built,
        middleware: [metrics.grpcServer, ...(built.middleware ?? [])],
        close: async () => {
          await built.close?.();
          await endpoint.close();
        },
      };
    } catch (err) {
      await endpoint.close();
      throw err;
    }
  };
}

/** An app's metrics and their endpoint, serving; undefined when SLIPWAY_METRICS=off. */
export async function startAppMetrics(
  app: string,
  context: MetricsContext,
  logger: Logger,
  env: NodeJS.ProcessEnv = process.env,
): Promise<{ metrics: AppMetrics; endpoint: MetricsEndpoint } | undefined> {
  const settings = loadMetricsConfig(app, env, context);
  if (!settings) return undefined;
  const metrics = new AppMetrics();
  return { metrics, endpoint: await startMetricsEndpoint(app, metrics.registry, settings, logger) };
}
