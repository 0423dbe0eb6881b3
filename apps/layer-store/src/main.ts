import { runService } from "@slipway/grpc-kit";
import { createApp } from "./app.js";

// Creates run many fsyncs at once; libuv's default of 4 threads would queue every other fs call
// behind them. Set before the first asynchronous fs call creates the pool.
process.env.UV_THREADPOOL_SIZE ??= "16";

await runService("layer-store", createApp);
