import type { ServerMiddleware } from "@slipway/grpc-kit";
import type { Registry } from "prom-client";
import { RPC_SECONDS_BUCKETS } from "./rpc-metrics.js";
import { histograms } from "./series.js";

/**
 * slipway_container_create_seconds: each create the orchestrator completed, end to end (image lookup, record,
 * layers, commit), as a middleware of its service. Failed creates are counted by grpc_server_handled_total.
 */
export function containerCreateMetrics(registry: Registry): ServerMiddleware {
  const seconds = histograms(
    registry,
    "slipway_container_create_seconds",
    "Time of each container create that succeeded, from the orchestrator's request to its answer.",
    RPC_SECONDS_BUCKETS,
  ).of();
  return async ({ name }, next) => {
    if (name !== "createContainer") return next();
    const start = performance.now();
    await next();
    seconds.observe((performance.now() - start) / 1000);
  };
}
