import {
  containerConfigDefinition,
  createClient,
  imageStoreDefinition,
  layerStoreDefinition,
  type ServiceClient,
  type ServiceConfig,
} from "@slipway/grpc-kit";
import type { containerconfig, imagestore, layerstore } from "@slipway/proto";

/** Clients of the three stores the orchestrator drives. */
export interface Stores {
  readonly layers: ServiceClient<typeof layerstore.LayerStoreServiceService>;
  readonly images: ServiceClient<typeof imagestore.ImageStoreServiceService>;
  readonly containers: ServiceClient<typeof containerconfig.ContainerConfigServiceService>;
}

/** Every call carries this deadline unless the caller's is sooner (volumes copy image content, hence not 5 s). */
export const STORE_DEADLINE_MS = 30_000;

/**
 * Clients of the three stores at `endpoints`; over TCP they present `certificates` (the orchestrator's own),
 * and they call the stores this process hosts (`inProcess`) directly.
 */
export function connectStores({
  endpoints,
  certificates,
  inProcess,
  observeClientCalls,
}: Pick<ServiceConfig, "endpoints" | "certificates" | "inProcess" | "observeClientCalls">): Stores & { close(): void } {
  const options = (name: string) => ({ name, certificates, inProcess, observe: observeClientCalls, unaryDeadlineMs: STORE_DEADLINE_MS });
  const layers = createClient(layerStoreDefinition, endpoints["layer-store"], options("layer-store"));
  const images = createClient(imageStoreDefinition, endpoints["image-store"], options("image-store"));
  const containers = createClient(containerConfigDefinition, endpoints["container-config"], options("container-config"));
  return { layers, images, containers, close: () => [layers, images, containers].forEach((c) => c.close()) };
}
