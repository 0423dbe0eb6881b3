import { createClient, withChunkCodec, type ServiceClient } from "@slipway/grpc-kit";
import { imagestore, orchestrator } from "@slipway/proto";

/** Archives stream through image-store in both directions; their chunks skip ts-proto's copies. */
const imageStoreStreams = withChunkCodec(withChunkCodec(imagestore.ImageStoreServiceService, "loadImages", { side: "request" }), "saveImages");

/** The gRPC services the Engine API translates to. */
export interface Backends {
  readonly orchestrator: ServiceClient<typeof orchestrator.OrchestratorServiceService>;
  readonly imageStore: ServiceClient<typeof imagestore.ImageStoreServiceService>;
}

export function connectBackends(addresses: { orchestrator: string; imageStore: string }): Backends & { close(): void } {
  const backends = {
    orchestrator: createClient(withChunkCodec(orchestrator.OrchestratorServiceService, "listContainersJson"), addresses.orchestrator, {
      name: "orchestrator",
    }),
    imageStore: createClient(imageStoreStreams, addresses.imageStore, { name: "image-store" }),
  };
  return { ...backends, close: () => (backends.orchestrator.close(), backends.imageStore.close()) };
}
