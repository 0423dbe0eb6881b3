import { checkBuildCacheFilters, PruneFilterError } from "@slipway/docker-spec";
import { internal, invalidArgument } from "@slipway/errors";
import type { Backends } from "../backends.js";
import { filtersParam } from "./request.js";
import { sendJson } from "./responses.js";
import type { Route } from "./router.js";
import type { HeldWaits } from "./run-routes.js";

/**
 * The prunes of containers, networks and the build cache (`docker container prune`, and with the image and
 * volume prunes, `docker system prune`). Slipway makes no networks and builds nothing: those two prunes check
 * their filters as dockerd does and answer that nothing was deleted. The network prune is the orchestrator's,
 * which refuses it while a container prune runs, as dockerd does.
 */
export function pruneRoutes({ orchestrator }: Backends, waits?: HeldWaits): Route[] {
  return [
    {
      method: "POST",
      pattern: /^\/containers\/prune$/,
      async handle({ res, query }) {
        const { containersDeleted, spaceReclaimed } = await orchestrator.pruneContainers({ filters: filtersParam(query) });
        waits?.recheck();
        // Go's nil slice: null when nothing was deleted.
        sendJson(res, 200, { ContainersDeleted: containersDeleted.length > 0 ? containersDeleted : null, SpaceReclaimed: spaceReclaimed });
      },
    },
    {
      method: "POST",
      pattern: /^\/networks\/prune$/,
      async handle({ res, query }) {
        await orchestrator.pruneNetworks({ filters: filtersParam(query) });
        sendJson(res, 200, { NetworksDeleted: null });
      },
    },
    {
      method: "POST",
      pattern: /^\/build\/prune$/,
      handle({ res, query }) {
        checkFilters(() => checkBuildCacheFilters(filterValues(query)), "failed to prune build cache: ");
        sendJson(res, 200, { CachesDeleted: null, SpaceReclaimed: 0 });
      },
    },
  ];
}

function filterValues(query: URLSearchParams): Record<string, string[]> {
  return Object.fromEntries(Object.entries(filtersParam(query)).map(([key, list]) => [key, list.values]));
}

/** Runs a filter check; a filter dockerd refuses becomes its 400 or 500, with the prefix its prune adds. */
function checkFilters(check: () => unknown, prefix: string): void {
  try {
    check();
  } catch (err) {
    if (!(err instanceof PruneFilterError)) throw err;
    throw (err.invalidParameter ? invalidArgument : internal)(`${prefix}${err.message}`);
  }
}
