import { runService } from "@slipway/grpc-kit";
import { createApp } from "./app.js";

await runService("orchestrator", (config, logger) => createApp(config, logger));
