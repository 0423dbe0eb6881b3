import { runService } from "@slipway/grpc-kit";
import { createApp } from "./app.js";

await runService("image-store", createApp);
