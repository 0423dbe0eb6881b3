import { createClient, imageStoreDefinition, orchestratorDefinition, type ServiceClient } from "@slipway/grpc-kit";
import type { imagestore, orchestrator } from "@slipway/proto";
import type { EngineApiConfig } from "./config.js";

/** The gRPC services the Engine API translates to. */
export interface Backends {
  readonly orchestrator: ServiceClient<typeof orchestrator.OrchestratorServiceService>;
  readonly imageStore: ServiceClient<typeof imagestore.ImageStoreServiceService>;
}

/**
 * Clients of the orchestrator and the image store: plain on their unix sockets (the default, in the run
 * root), mutual TLS with engine-api's certificates on TCP addresses (which need them), directly when this
 * process hosts them (`inProcess`).
 */
export function connectBackends(
  config: Pick<EngineApiConfig, "orchestrator" | "imageStore"> & Partial<Pick<EngineApiConfig, "certificates" | "inProcess" | "observeClientCalls">>,
): Backends & { close(): void } {
  const { certificates, inProcess, observeClientCalls: observe } = config;
  const backends = {
    orchestrator: createClient(orchestratorDefinition, config.orchestrator, { name: "orchestrator", certificates, inProcess, observe }),
    imageStore: createClient(imageStoreDefinition, config.imageStore, { name: "image-store", certificates, inProcess, observe }),
  };
  return { ...backends, close: () => (backends.orchestrator.close(), backends.imageStore.close()) };
}
