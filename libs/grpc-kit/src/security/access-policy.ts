import { status } from "@grpc/grpc-js";
import { identityUri } from "./identity.js";

/**
 * Who may call what over TCP, in one place. A caller is the app its client certificate names; a method
 * is allowed when the table lists it for that caller ("*": every method of the service). Health is open
 * to anyone (load balancers and healthchecks carry no certificate); reflection to any Slipway certificate.
 * Callers on a unix socket are trusted as dockerd trusts its socket: the socket's group decides.
 */
type Grants = Readonly<Record<string, "*" | readonly string[]>>;

const LAYER_READS = ["GetLayer", "ListLayers", "GetRWLayer", "ListRWLayers", "GetMounts", "ListVolumes", "GetStoreStatus"];
/** What `docker export`, `docker diff`, `docker ps -s` and `docker system df` read of containers' layers and volumes. */
const CONTAINER_LAYER_READS = ["ExportContainerLayer", "GetContainerChanges", "GetRWLayerSizes", "GetVolumeSizes"];

export const ACCESS_POLICY: Readonly<Record<string, Grants>> = {
  "slipway.layerstore.v1.LayerStoreService": {
    orchestrator: [
      ...LAYER_READS,
      ...CONTAINER_LAYER_READS,
      "CreateContainerLayers",
      "ReleaseRWLayer",
      "ReleaseContainerLayers",
      "CreateVolume",
      "RemoveVolume",
      "KeepVolumes",
      "StatContainerPath",
      "ReadContainerPath",
      "WriteContainerPath",
      "RenewLease",
      "FindAbandoned",
      "WatchEvents",
    ],
    "image-store": [...LAYER_READS, "RegisterLayer", "ReleaseLayer", "ExportLayer"],
  },
  "slipway.imagestore.v1.ImageStoreService": {
    orchestrator: ["ResolveImage", "WatchImages", "WatchEvents", "GetImage", "ListImages"],
    "engine-api": "*",
    cli: "*",
  },
  "slipway.containerconfig.v1.ContainerConfigService": {
    orchestrator: "*",
    "image-store": ["ListContainers"],
  },
  "slipway.orchestrator.v1.OrchestratorService": {
    "engine-api": "*",
    cli: "*",
  },
};

const OPEN_SERVICES = new Set(["grpc.health.v1.Health"]);
const AUTHENTICATED_SERVICES = new Set(["grpc.reflection.v1.ServerReflection", "grpc.reflection.v1alpha.ServerReflection"]);

export type AccessDecision = { readonly allowed: true } | { readonly allowed: false; readonly code: status; readonly message: string };

const ALLOWED: AccessDecision = { allowed: true };

/**
 * Decides a call to `path` ("/package.Service/Method") by `caller`, the identity of a verified client
 * certificate (undefined: none, or one that failed verification, whose `reason` is then given).
 */
export function decideAccess(
  path: string,
  caller: string | undefined,
  server: string,
  reason = "no client certificate was presented",
): AccessDecision {
  const [, service = "", method = ""] = /^\/([^/]+)\/([^/]+)$/.exec(path) ?? [];
  if (OPEN_SERVICES.has(service)) return ALLOWED;
  if (caller === undefined) {
    return {
      allowed: false,
      code: status.UNAUTHENTICATED,
      message: `${server} accepts only callers with a client certificate signed by Slipway's CA (${reason}); use the certificates made by "npx slipway certs"`,
    };
  }
  if (AUTHENTICATED_SERVICES.has(service)) return ALLOWED;
  const grant = ACCESS_POLICY[service]?.[caller];
  if (grant === "*" || grant?.includes(method)) return ALLOWED;
  return {
    allowed: false,
    code: status.PERMISSION_DENIED,
    message: `${identityUri(caller)} may not call ${path} on ${server} (Slipway's access policy)`,
  };
}
