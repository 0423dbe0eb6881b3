import { runService } from "@slipway/grpc-kit";
import { createApp } from "./app.js";

await runService("container-config", (config, logger) => createApp(config, logger));
