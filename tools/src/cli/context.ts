import { resolve } from "node:path";
import {
  certificatesFrom,
  createClient,
  DEFAULT_RUN_ROOT,
  endpointsFrom as serviceEndpoints,
  imageStoreDefinition,
  orchestratorDefinition,
  type CertificateFiles,
  type ServiceClient,
} from "@slipway/grpc-kit";

export type OrchestratorClient = ServiceClient<typeof orchestratorDefinition>;
export type ImageStoreClient = ServiceClient<typeof imageStoreDefinition>;

/** What a command needs: the two services it talks to, its output streams, and the clock. */
export interface CliContext {
  readonly orchestrator: () => OrchestratorClient;
  readonly imageStore: () => ImageStoreClient;
  readonly out: NodeJS.WritableStream & { isTTY?: boolean; columns?: number; rows?: number };
  readonly err: NodeJS.WritableStream;
  /** Standard input, opened only by a command that reads it (login --password-stdin). */
  readonly stdin: () => NodeJS.ReadableStream;
  readonly env: NodeJS.ProcessEnv;
  readonly now: () => number;
}

export interface Endpoints {
  readonly orchestrator: string;
  readonly imageStore: string;
  /** The directory of the CLI's certificates (ca.crt, cli.crt, cli.key), needed for TCP endpoints. */
  readonly tlsDir: string | undefined;
}

/**
 * --orchestrator / --image-store, else SLIPWAY_ORCHESTRATOR_ADDR / SLIPWAY_IMAGE_STORE_ADDR, else the
 * sockets in the run root (SLIPWAY_RUN_ROOT, as npm start uses it); --tls-dir, else SLIPWAY_TLS_DIR.
 */
export function endpointsFrom(flags: Map<string, string>, env: NodeJS.ProcessEnv): Endpoints {
  const defaults = serviceEndpoints(env, resolve(env.SLIPWAY_RUN_ROOT ?? DEFAULT_RUN_ROOT));
  return {
    orchestrator: flags.get("orchestrator") ?? defaults.orchestrator,
    imageStore: flags.get("image-store") ?? defaults["image-store"],
    tlsDir: flags.get("tls-dir") ?? env.SLIPWAY_TLS_DIR,
  };
}

/** Clients are made on first use and closed by the returned close(). Over TCP the CLI is `cli` (cli.crt). */
export function connect(
  endpoints: Endpoints,
  env: NodeJS.ProcessEnv = process.env,
): Pick<CliContext, "orchestrator" | "imageStore"> & { close(): void } {
  let orchestratorClient: OrchestratorClient | undefined;
  let imageStoreClient: ImageStoreClient | undefined;
  let certificates: CertificateFiles | undefined;
  const options = (name: string) => ({ name, certificates: (certificates ??= certificatesFrom("cli", endpoints.tlsDir, env)) });
  return {
    orchestrator: () => (orchestratorClient ??= createClient(orchestratorDefinition, endpoints.orchestrator, options("orchestrator"))),
    imageStore: () => (imageStoreClient ??= createClient(imageStoreDefinition, endpoints.imageStore, options("image-store"))),
    close: () => {
      orchestratorClient?.close();
      imageStoreClient?.close();
      certificates?.close();
    },
  };
}
