import { createClient, type ServiceClient } from "@slipway/grpc-kit";
import { containerconfig, imagestore, layerstore, orchestrator } from "@slipway/proto";
import type { GrpcApp } from "./deployment.js";

/** Connected clients of the four gRPC apps (grpc-kit clients: promises, deadlines, SlipwayError). */
export interface SlipwayClients {
  readonly layerStore: ServiceClient<typeof layerstore.LayerStoreServiceService>;
  readonly imageStore: ServiceClient<typeof imagestore.ImageStoreServiceService>;
  readonly containerConfig: ServiceClient<typeof containerconfig.ContainerConfigServiceService>;
  readonly orchestrator: ServiceClient<typeof orchestrator.OrchestratorServiceService>;
}

/** Clients for the gRPC apps at the given addresses. */
export function connectClients(address: (app: GrpcApp) => string): SlipwayClients {
  return {
    layerStore: createClient(layerstore.LayerStoreServiceService, address("layer-store"), { name: "layer-store" }),
    imageStore: createClient(imagestore.ImageStoreServiceService, address("image-store"), { name: "image-store" }),
    containerConfig: createClient(containerconfig.ContainerConfigServiceService, address("container-config"), { name: "container-config" }),
    orchestrator: createClient(orchestrator.OrchestratorServiceService, address("orchestrator"), { name: "orchestrator" }),
  };
}

export function closeClients(clients: SlipwayClients): void {
  for (const client of Object.values(clients)) client.close();
}
