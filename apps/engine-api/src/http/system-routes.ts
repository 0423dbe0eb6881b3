import { arch, release } from "node:os";
import type { Backends } from "../backends.js";
import { API_VERSION, MIN_API_VERSION, SLIPWAY_VERSION } from "./api-version.js";
import { httpErrorOf } from "./errors.js";
import { infoDocument, type StoreFacts } from "./info.js";
import { sendError, sendJson } from "./responses.js";
import type { Route } from "./router.js";

function ping(body: boolean): Route["handle"] {
  return ({ res }) => {
    res.setHeader("Cache-Control", "no-cache, no-store, must-revalidate");
    res.setHeader("Pragma", "no-cache");
    res.writeHead(200, { "Content-Type": "text/plain; charset=utf-8", "Content-Length": body ? 2 : 0 });
    res.end(body ? "OK" : undefined);
  };
}

/** /_ping (version negotiation: the CLI reads Api-Version), /version and /info. */
export function systemRoutes(backends: Backends, dataRoot: string): Route[] {
  return [
    { method: "GET", pattern: /^\/_ping$/, handle: ping(true) },
    { method: "HEAD", pattern: /^\/_ping$/, handle: ping(false) },
    { method: "GET", pattern: /^\/version$/, handle: ({ res }) => sendJson(res, 200, versionDocument()) },
    {
      method: "GET",
      pattern: /^\/info$/,
      handle: async ({ res }) => sendJson(res, 200, infoDocument(dataRoot, await storeFacts(backends, dataRoot))),
    },
    ...objectsSlipwayHasNone,
  ];
}

/** GET /version; the CLI prints the Engine component's details. */
function versionDocument() {
  const details = {
    ApiVersion: API_VERSION,
    Arch: arch() === "x64" ? "amd64" : arch(),
    BuildTime: "",
    Experimental: "false",
    GitCommit: "",
    GoVersion: `node${process.versions.node}`,
    KernelVersion: release(),
    MinAPIVersion: MIN_API_VERSION,
    Os: "linux",
  };
  const { Experimental: _, ...topLevel } = details;
  return {
    Platform: { Name: "Slipway" },
    Components: [{ Name: "Engine", Version: SLIPWAY_VERSION, Details: details }],
    Version: SLIPWAY_VERSION,
    ...topLevel,
  };
}

/**
 * `docker info` must work while a store is down (it is how people look at a sick engine, and `docker inspect`
 * needs it), so a missing count or registry setting becomes a warning instead of a failure.
 */
async function storeFacts({ orchestrator, imageStore }: Backends, dataRoot: string): Promise<StoreFacts> {
  const [containers, images, registry] = await Promise.allSettled([
    orchestrator.listContainers({ query: { all: true, limit: 0, filters: {} } }).then((r) => r.containers.length),
    imageStore.listImages({ all: true, filters: {} }).then((r) => r.images.length),
    imageStore.getRegistryConfig({}).then((r) => ({
      indexServerAddress: r.indexServerAddress,
      registryConfig: JSON.parse(r.registryConfigJson.toString("utf8")) as unknown,
    })),
  ]);
  const warning = (what: string, result: PromiseRejectedResult) => `WARNING: ${what} unknown: ${httpErrorOf(result.reason, [dataRoot]).message}`;
  return {
    containers: containers.status === "fulfilled" ? containers.value : 0,
    images: images.status === "fulfilled" ? images.value : 0,
    ...(registry.status === "fulfilled" ? { registry: registry.value } : {}),
    warnings: [
      ...(containers.status === "rejected" ? [warning("container count", containers)] : []),
      ...(images.status === "rejected" ? [warning("image count", images)] : []),
      ...(registry.status === "rejected" ? [warning("registry settings", registry)] : []),
    ],
  };
}

/**
 * `docker inspect X` tries containers, images, networks, volumes, then plugins, and says "No such object: X"
 * only when every lookup is a 404 (dockerd's texts). Slipway manages no networks or plugins.
 */
const objectsSlipwayHasNone: Route[] = [
  { method: "GET", pattern: /^\/networks\/(?<id>[^/]+)$/, handle: ({ res, params }) => sendError(res, 404, `network ${params.id} not found`) },
  { method: "GET", pattern: /^\/plugins\/(?<name>.+)\/json$/, handle: ({ res, params }) => sendError(res, 404, `plugin "${params.name}" not found`) },
];
