import { connectBackends } from "./backends.js";
import type { EngineApiConfig } from "./config.js";
import { containerRoutes } from "./http/container-routes.js";
import { imageRoutes } from "./http/image-routes.js";
import type { Route } from "./http/router.js";
import { systemRoutes } from "./http/system-routes.js";
import { volumeRoutes } from "./http/volume-routes.js";

/** The Engine API's routes over gRPC clients of the orchestrator and the image store. */
export function createEngineApi(config: Pick<EngineApiConfig, "orchestrator" | "imageStore" | "dataRoot">): {
  routes: Route[];
  close(): void;
} {
  const backends = connectBackends(config);
  const routes = [...systemRoutes(backends, config.dataRoot), ...containerRoutes(backends), ...volumeRoutes(backends), ...imageRoutes(backends)];
  return { routes, close: backends.close };
}
