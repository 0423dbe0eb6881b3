import { isEntryPoint, runService, type InProcessRegistry } from "@slipway/grpc-kit";
import { withMetrics } from "@slipway/metrics";
import { startTracing } from "@slipway/tracing";
import { createApp } from "./app.js";

// Decided once per process, before the app makes its servers, clients and logger.
startTracing();

/** Runs the orchestrator as its own process does; npm start's one process passes the registry its apps share. */
export const start = (inProcess?: InProcessRegistry) =>
  runService(
    "orchestrator",
    withMetrics("orchestrator", (config, logger, metrics) => createApp(config, logger, process.env, metrics)),
    inProcess,
  );

if (isEntryPoint(import.meta.url)) await start();
