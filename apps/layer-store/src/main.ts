import { isEntryPoint, runService, type InProcessRegistry } from "@slipway/grpc-kit";
import { withMetrics } from "@slipway/metrics";
import { startTracing } from "@slipway/tracing";
import { createApp } from "./app.js";

// Decided once per process, before the app makes its servers, clients and logger.
startTracing();

// Creates run many fsyncs at once; libuv's default of 4 threads would queue every other fs call
// behind them. Set before the first asynchronous fs call creates the pool.
process.env.UV_THREADPOOL_SIZE ??= "16";

/** Runs layer-store as its own process does; npm start's one process passes the registry its apps share. */
export const start = (inProcess?: InProcessRegistry) => runService("layer-store", withMetrics("layer-store", createApp), inProcess);

if (isEntryPoint(import.meta.url)) {
  // dockerd runs with umask 0 so that every mode it asks for is the mode on disk, and the storage code counts
  // on it. A process's umask is its entry's to set (npm start's one process sets its own).
  process.umask(0);
  await start();
}
