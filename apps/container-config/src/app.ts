import { existsSync } from "node:fs";
import { join } from "node:path";
import { unavailable } from "@slipway/errors";
import { createLogger, type App, type ServiceConfig } from "@slipway/grpc-kit";
import type { HostInfo } from "@slipway/container-rules";
import { observeRoundsWith } from "@slipway/durable-fs";
import type { AppMetrics } from "@slipway/metrics";
import { flushRoundTracing } from "@slipway/tracing";
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
  metrics?: AppMetrics,
): ContainerConfigApp {
  const storage = new ContainerStorage(join(config.dataRoot, "containers"), observeRoundsWith(metrics?.flushRounds(), flushRoundTracing()));
  const domain = new ContainerConfigService(storage, host, existsSync, logger);
  metrics?.held({ containers: () => domain.containerCount });
  return {
    domain,
    services: [containerConfigHandlers(domain)],
    stopping: () => domain.events.log.endWatches(unavailable("container-config is stopping; watch again once it is back")),
    async recover() {
      await domain.recover();
    },
  };
}
