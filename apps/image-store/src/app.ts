import { service, unimplementedHandlers, type App } from "@slipway/grpc-kit";
import { imagestore } from "@slipway/proto";

/** Wires the image-store service. Its RPCs answer UNIMPLEMENTED until the issue that implements them lands. */
export function createApp(): App {
  return { services: [service(imagestore.ImageStoreServiceService, unimplementedHandlers(imagestore.ImageStoreServiceService, "image-store"))] };
}
