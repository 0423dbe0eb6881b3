import { existsSync } from "node:fs";
import { join } from "node:path";
import { createLogger, type App, type ServiceConfig } from "@slipway/grpc-kit";
import type { HostInfo } from "@slipway/container-rules";
import type { Logger } from "pino";
import { ContainerConfigService } from "./container-config.js";
import { readHostInfo } from "./host-info.js";
import { containerConfigHandlers } from "./server.js";
import { ContainerStorage } from "./storage.js";

export interface ContainerConfigApp extends App {
  readonly domain: ContainerConfigService;
}

/** Wires config → storage (containers/) → domain → gRPC handlers. */
export function createApp(
  config: Pick<ServiceConfig, "dataRoot"> & Partial<Pick<ServiceConfig, "dockerdDataRoot">>,
  logger: Logger = createLogger("container-config", "silent"),
  host: HostInfo = readHostInfo(config.dockerdDataRoot ?? config.dataRoot),
): ContainerConfigApp {
  const storage = new ContainerStorage(join(config.dataRoot, "containers"));
  const domain = new ContainerConfigService(storage, host, existsSync, logger);
  return {
    domain,
    services: [containerConfigHandlers(domain)],
    async recover() {
      await domain.recover();
    },
  };
}
