import { service, unimplementedHandlers, type App } from "@slipway/grpc-kit";
import { layerstore } from "@slipway/proto";

/** Wires the layer-store service. Its RPCs answer UNIMPLEMENTED until the issue that implements them lands. */
export function createApp(): App {
  return { services: [service(layerstore.LayerStoreServiceService, unimplementedHandlers(layerstore.LayerStoreServiceService, "layer-store"))] };
}
