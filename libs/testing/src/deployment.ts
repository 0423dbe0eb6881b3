import { SERVICES, type ServiceName } from "@slipway/grpc-kit";

/** The five Slipway apps, in start order: a later app calls earlier ones. */
export const SLIPWAY_APPS = ["layer-store", "image-store", "container-config", "orchestrator", "engine-api"] as const;
export type SlipwayApp = (typeof SLIPWAY_APPS)[number];

/** The gRPC apps (every app but engine-api). */
export const GRPC_APPS = ["layer-store", "image-store", "container-config", "orchestrator"] as const satisfies readonly ServiceName[];
export type GrpcApp = (typeof GRPC_APPS)[number];

/** Where things live inside the image (its ENV sets the data and run roots). */
export const DATA_ROOT_IN_CONTAINER = "/var/lib/slipway";
export const RUN_ROOT_IN_CONTAINER = "/run/slipway";
/** engine-api's TCP listener inside its container (only loopback-published on the host). */
export const ENGINE_API_TCP_PORT = 2375;

/**
 * How one app runs as a container: the same in docker-compose.yml and in SlipwayStack (a test checks
 * that they agree). See the Dockerfile for why each app runs as which user with which capabilities.
 */
export interface AppDeployment {
  readonly app: SlipwayApp;
  /** The container port it serves: gRPC, or engine-api's TCP listener. */
  readonly port: number;
  /** "0:0" for those whose files must be root:root; "node" otherwise. */
  readonly user: "0:0" | "node";
  readonly capDrop: readonly string[];
  readonly capAdd: readonly string[];
  /** Mounts the shared data root at DATA_ROOT_IN_CONTAINER. */
  readonly dataRoot: boolean;
  /** Mounts the host-visible run dir at RUN_ROOT_IN_CONTAINER (where engine-api's socket appears). */
  readonly runRoot: boolean;
  /** Env on top of the image's and the service addresses. */
  readonly env: Readonly<Record<string, string>>;
  /** Apps that must be healthy before this one starts. */
  readonly dependsOn: readonly SlipwayApp[];
}

const STORES = ["layer-store", "image-store", "container-config"] as const;

export const DEPLOYMENT: Readonly<Record<SlipwayApp, AppDeployment>> = {
  "layer-store": store("layer-store", [], ["SYS_ADMIN"]),
  "image-store": { ...store("image-store", ["ALL"], []), dependsOn: ["layer-store"] },
  "container-config": store("container-config", ["ALL"], []),
  orchestrator: {
    app: "orchestrator",
    port: SERVICES.orchestrator.port,
    user: "node",
    capDrop: ["ALL"],
    capAdd: [],
    dataRoot: false,
    runRoot: false,
    // It keeps no state, but the service kit insists on writable data and run roots.
    env: { SLIPWAY_DATA_ROOT: "/tmp/slipway/data", SLIPWAY_RUN_ROOT: "/tmp/slipway/run" },
    dependsOn: [...STORES],
  },
  "engine-api": {
    app: "engine-api",
    port: ENGINE_API_TCP_PORT,
    user: "0:0",
    capDrop: ["ALL"],
    capAdd: [],
    dataRoot: false,
    runRoot: true,
    env: { SLIPWAY_ENGINE_API_TCP: `0.0.0.0:${ENGINE_API_TCP_PORT}` },
    dependsOn: ["orchestrator", "image-store"],
  },
};

function store(app: (typeof STORES)[number], capDrop: string[], capAdd: string[]): AppDeployment {
  return { app, port: SERVICES[app].port, user: "0:0", capDrop, capAdd, dataRoot: true, runRoot: false, env: {}, dependsOn: [] };
}

/** The env that tells every app where the gRPC apps are, given each app's host name on the network. */
export function addressEnv(hostOf: (app: SlipwayApp) => string): Record<string, string> {
  return Object.fromEntries(GRPC_APPS.map((app) => [SERVICES[app].env, `${hostOf(app)}:${SERVICES[app].port}`]));
}
