import { createClient, SERVICES, type ServiceClient } from "@slipway/grpc-kit";
import { imagestore, orchestrator } from "@slipway/proto";

export type OrchestratorClient = ServiceClient<typeof orchestrator.OrchestratorServiceService>;
export type ImageStoreClient = ServiceClient<typeof imagestore.ImageStoreServiceService>;

/** What a command needs: the two services it talks to, its output streams, and the clock. */
export interface CliContext {
  readonly orchestrator: () => OrchestratorClient;
  readonly imageStore: () => ImageStoreClient;
  readonly out: NodeJS.WritableStream & { isTTY?: boolean; columns?: number; rows?: number };
  readonly err: NodeJS.WritableStream;
  readonly env: NodeJS.ProcessEnv;
  readonly now: () => number;
}

export interface Endpoints {
  readonly orchestrator: string;
  readonly imageStore: string;
}

/** --orchestrator / --image-store, else SLIPWAY_ORCHESTRATOR_ADDR / SLIPWAY_IMAGE_STORE_ADDR, else the defaults. */
export function endpointsFrom(flags: Map<string, string>, env: NodeJS.ProcessEnv): Endpoints {
  return {
    orchestrator: flags.get("orchestrator") ?? env[SERVICES.orchestrator.env] ?? `127.0.0.1:${SERVICES.orchestrator.port}`,
    imageStore: flags.get("image-store") ?? env[SERVICES["image-store"].env] ?? `127.0.0.1:${SERVICES["image-store"].port}`,
  };
}

/** Clients are made on first use and closed by the returned close(). */
export function connect(endpoints: Endpoints): Pick<CliContext, "orchestrator" | "imageStore"> & { close(): void } {
  let orchestratorClient: OrchestratorClient | undefined;
  let imageStoreClient: ImageStoreClient | undefined;
  return {
    orchestrator: () =>
      (orchestratorClient ??= createClient(orchestrator.OrchestratorServiceService, endpoints.orchestrator, { name: "orchestrator" })),
    imageStore: () =>
      (imageStoreClient ??= createClient(imagestore.ImageStoreServiceService, endpoints.imageStore, { name: "image-store" })),
    close: () => {
      orchestratorClient?.close();
      imageStoreClient?.close();
    },
  };
}
