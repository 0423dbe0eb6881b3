import { connectBackends } from "./backends.js";
import { archiveRoutes } from "./http/archive-routes.js";
import type { EngineApiConfig } from "./config.js";
import { containerFilesystemRoutes } from "./http/container-filesystem-routes.js";
import { containerRoutes } from "./http/container-routes.js";
import { eventRoutes } from "./http/event-routes.js";
import { diskUsageRoutes } from "./http/disk-usage-routes.js";
import { imageHistoryPruneRoutes } from "./http/image-history-prune-routes.js";
import { imageRoutes } from "./http/image-routes.js";
import { pruneRoutes } from "./http/prune-routes.js";
import { registryRoutes } from "./http/registry-routes.js";
import { renameRoutes } from "./http/rename-routes.js";
import type { Route } from "./http/router.js";
import { HeldWaits, runRoutes } from "./http/run-routes.js";
import { systemRoutes } from "./http/system-routes.js";
import { volumeRoutes } from "./http/volume-routes.js";

/**
 * The Engine API's routes over gRPC clients of the orchestrator and the image store (unix sockets, or TCP with
 * engine-api's certificates).
 */
export function createEngineApi(
  config: Pick<EngineApiConfig, "orchestrator" | "imageStore" | "dataRoot"> &
    Partial<Pick<EngineApiConfig, "certificates" | "inProcess" | "observeClientCalls">>,
): {
  routes: Route[];
  /** Cuts the event streams, which never end by themselves and would hold the shutdown up. */
  stopping(): void;
  close(): void;
} {
  const backends = connectBackends(config);
  const waits = new HeldWaits();
  const stopping = new AbortController();
  const routes = [
    ...systemRoutes(backends, config.dataRoot),
    ...eventRoutes(backends, stopping.signal),
    ...containerRoutes(backends, waits),
    ...containerFilesystemRoutes(backends),
    ...archiveRoutes(backends),
    ...renameRoutes(backends),
    ...pruneRoutes(backends, waits),
    ...runRoutes(backends, waits, [config.dataRoot]),
    ...volumeRoutes(backends),
    ...diskUsageRoutes(backends),
    ...registryRoutes(backends, [config.dataRoot]),
    ...imageHistoryPruneRoutes(backends),
    ...imageRoutes(backends, [config.dataRoot]),
  ];
  return { routes, stopping: () => stopping.abort(), close: backends.close };
}
