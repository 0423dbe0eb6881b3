import { createClient, withChunkCodec, type ServiceClient, type ServiceConfig } from "@slipway/grpc-kit";
import { containerconfig, imagestore, layerstore } from "@slipway/proto";

/** Clients of the three stores the orchestrator drives. */
export interface Stores {
  readonly layers: ServiceClient<typeof layerstore.LayerStoreServiceService>;
  readonly images: ServiceClient<typeof imagestore.ImageStoreServiceService>;
  readonly containers: ServiceClient<typeof containerconfig.ContainerConfigServiceService>;
}

/** Every call carries this deadline unless the caller's is sooner (volumes copy image content, hence not 5 s). */
const STORE_DEADLINE_MS = 30_000;

/** Clients of the three stores at `endpoints`; over TCP they present `certificates` (the orchestrator's own). */
export function connectStores({ endpoints, certificates }: Pick<ServiceConfig, "endpoints" | "certificates">): Stores & { close(): void } {
  const options = (name: string) => ({ name, certificates, unaryDeadlineMs: STORE_DEADLINE_MS });
  const layers = createClient(layerstore.LayerStoreServiceService, endpoints["layer-store"], options("layer-store"));
  const images = createClient(imagestore.ImageStoreServiceService, endpoints["image-store"], options("image-store"));
  const containers = createClient(
    withChunkCodec(containerconfig.ContainerConfigServiceService, "listContainersJson"),
    endpoints["container-config"],
    options("container-config"),
  );
  return { layers, images, containers, close: () => [layers, images, containers].forEach((c) => c.close()) };
}
