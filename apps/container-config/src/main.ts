import { isEntryPoint, runService, type InProcessRegistry } from "@slipway/grpc-kit";
import { createApp } from "./app.js";

/** Runs container-config as its own process does; npm start's one process passes the registry its apps share. */
export const start = (inProcess?: InProcessRegistry) => runService("container-config", (config, logger) => createApp(config, logger), inProcess);

if (isEntryPoint(import.meta.url)) {
  // dockerd runs with umask 0 so that every mode it asks for is the mode on disk, and the storage code counts
  // on it. A process's umask is its entry's to set (npm start's one process sets its own).
  process.umask(0);
  await start();
}
