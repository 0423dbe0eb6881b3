import { SERVICES, type ServiceName } from "@slipway/grpc-kit";

/** The five Slipway apps, in start order: a later app calls earlier ones. */
export const SLIPWAY_APPS = ["layer-store", "image-store", "container-config", "orchestrator", "engine-api"] as const;
export type SlipwayApp = (typeof SLIPWAY_APPS)[number];

/** The gRPC apps (every app but engine-api). */
export const GRPC_APPS = ["layer-store", "image-store", "container-config", "orchestrator"] as const satisfies readonly ServiceName[];
export type GrpcApp = (typeof GRPC_APPS)[number];

/** Where things live inside the image (its ENV sets the data and run roots and the TLS dir). */
export const DATA_ROOT_IN_CONTAINER = "/var/lib/slipway";
export const RUN_ROOT_IN_CONTAINER = "/run/slipway";
export const TLS_DIR_IN_CONTAINER = "/etc/slipway/tls";
/** engine-api's TCP listener inside its container: HTTPS with client certificates, Docker's TLS port. */
export const ENGINE_API_TCP_PORT = 2376;
/** The image's `node` user, who runs the orchestrator and so must own its key. */
export const NODE_USER = { uid: 1000, gid: 1000 } as const;

/**
 * How one app runs as a container: the same in docker-compose.yml and in SlipwayStack (a test checks
 * that they agree). See the Dockerfile for why each app runs as which user with which capabilities.
 */
export interface AppDeployment {
  readonly app: SlipwayApp;
  /** The container port it serves: gRPC, or engine-api's TCP listener (both mutual TLS). */
  readonly port: number;
  /** The env var compose reads for the host port it publishes `port` on (127.0.0.1 only), default `port`. */
  readonly hostPortEnv: string;
  /** "0:0" for those whose files must be root:root; "node" otherwise. */
  readonly user: "0:0" | "node";
  readonly capDrop: readonly string[];
  readonly capAdd: readonly string[];
  /** Mounts the shared data root at DATA_ROOT_IN_CONTAINER. */
  readonly dataRoot: boolean;
  /** Mounts the host-visible run dir at RUN_ROOT_IN_CONTAINER (where engine-api's socket appears). */
  readonly runRoot: boolean;
  /** Env on top of the image's and sharedEnv's. */
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
    hostPortEnv: hostPortEnvOf("orchestrator"),
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
    hostPortEnv: hostPortEnvOf("engine-api"),
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
  return {
    app,
    port: SERVICES[app].port,
    hostPortEnv: hostPortEnvOf(app),
    user: "0:0",
    capDrop,
    capAdd,
    dataRoot: true,
    runRoot: false,
    env: {},
    dependsOn: [],
  };
}

/** "engine-api" -> "SLIPWAY_ENGINE_API_PORT" */
function hostPortEnvOf(app: SlipwayApp): string {
  return `SLIPWAY_${app.toUpperCase().replace(/-/g, "_")}_PORT`;
}

/** The env that tells every app where the gRPC apps are, given each app's host name on the network. */
export function addressEnv(hostOf: (app: SlipwayApp) => string): Record<string, string> {
  return Object.fromEntries(GRPC_APPS.map((app) => [SERVICES[app].env, `${hostOf(app)}:${SERVICES[app].port}`]));
}

/** The env every app gets: where its peers are, and where its certificates are mounted. */
export function sharedEnv(hostOf: (app: SlipwayApp) => string): Record<string, string> {
  return { ...addressEnv(hostOf), SLIPWAY_TLS_DIR: TLS_DIR_IN_CONTAINER };
}

/**
 * The certificate files an app gets, each mounted read-only at TLS_DIR_IN_CONTAINER/<file>: the CA's
 * certificate and its own pair as `slipway certs` names them, never another app's key.
 */
export function certificateFilesOf(app: SlipwayApp): readonly string[] {
  return ["ca.crt", `${app}.crt`, `${app}.key`];
}

/**
 * Who must own each app's key: its process reads it, and a key is 0600. Apps that run as root need no
 * entry (root reads any file); the orchestrator runs as `node`.
 */
export function keyOwners(): Record<string, { uid: number; gid: number }> {
  return Object.fromEntries(SLIPWAY_APPS.filter((app) => DEPLOYMENT[app].user === "node").map((app) => [app, { ...NODE_USER }]));
}
