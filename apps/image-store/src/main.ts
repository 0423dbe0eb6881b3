import { isEntryPoint, runService, type InProcessRegistry } from "@slipway/grpc-kit";
import { createApp } from "./app.js";

/** Runs image-store as its own process does; npm start's one process passes the registry its apps share. */
export const start = (inProcess?: InProcessRegistry) => runService("image-store", createApp, inProcess);

if (isEntryPoint(import.meta.url)) await start();
