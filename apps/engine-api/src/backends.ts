import { createClient, withChunkCodec, type CertificateFiles, type ServiceClient } from "@slipway/grpc-kit";
import { imagestore, orchestrator } from "@slipway/proto";

/** Archives stream through image-store in both directions; their chunks skip ts-proto's copies. */
const imageStoreStreams = withChunkCodec(withChunkCodec(imagestore.ImageStoreServiceService, "loadImages", { side: "request" }), "saveImages");

/** The gRPC services the Engine API translates to. */
export interface Backends {
  readonly orchestrator: ServiceClient<typeof orchestrator.OrchestratorServiceService>;
  readonly imageStore: ServiceClient<typeof imagestore.ImageStoreServiceService>;
}

/**
 * Clients of the orchestrator and the image store: plain on their unix sockets (the default, in the run
 * root), mutual TLS with engine-api's certificates on TCP addresses (which need them).
 */
export function connectBackends(
  addresses: { orchestrator: string; imageStore: string },
  certificates?: CertificateFiles,
): Backends & { close(): void } {
  const backends = {
    orchestrator: createClient(withChunkCodec(orchestrator.OrchestratorServiceService, "listContainersJson"), addresses.orchestrator, {
      name: "orchestrator",
      certificates,
    }),
    imageStore: createClient(imageStoreStreams, addresses.imageStore, { name: "image-store", certificates }),
  };
  return { ...backends, close: () => (backends.orchestrator.close(), backends.imageStore.close()) };
}
