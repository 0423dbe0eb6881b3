import { service, unimplementedHandlers, type App } from "@slipway/grpc-kit";
import { containerconfig } from "@slipway/proto";

/** Wires the container-config service. Its RPCs answer UNIMPLEMENTED until the issue that implements them lands. */
export function createApp(): App {
  return { services: [service(containerconfig.ContainerConfigServiceService, unimplementedHandlers(containerconfig.ContainerConfigServiceService, "container-config"))] };
}
