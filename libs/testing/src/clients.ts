import { createClient, type CertificateFiles, type ServiceClient } from "@slipway/grpc-kit";
import { containerconfig, imagestore, layerstore, orchestrator } from "@slipway/proto";
import type { GrpcApp } from "./deployment.js";

/** Connected clients of the four gRPC apps (grpc-kit clients: promises, deadlines, SlipwayError). */
export interface SlipwayClients {
  readonly layerStore: ServiceClient<typeof layerstore.LayerStoreServiceService>;
  readonly imageStore: ServiceClient<typeof imagestore.ImageStoreServiceService>;
  readonly containerConfig: ServiceClient<typeof containerconfig.ContainerConfigServiceService>;
  readonly orchestrator: ServiceClient<typeof orchestrator.OrchestratorServiceService>;
}

/**
 * Whom SlipwayStack's default clients call each app as: the app's main caller in the access policy
 * (grpc-kit's access-policy.ts). The orchestrator may do most of what the stores offer; layer-store's
 * RegisterLayer and ExportLayer are image-store's, so a test that calls them uses clientsAs("image-store").
 */
export const DEFAULT_CALLERS: Readonly<Record<GrpcApp, string>> = {
  "layer-store": "orchestrator",
  "image-store": "cli",
  "container-config": "orchestrator",
  orchestrator: "cli",
};

/** Clients for the gRPC apps at the given addresses, each presenting the given certificates (mutual TLS). */
export function connectClients(address: (app: GrpcApp) => string, certificatesFor: (app: GrpcApp) => CertificateFiles): SlipwayClients {
  const options = (app: GrpcApp) => ({ name: app, certificates: certificatesFor(app) });
  return {
    layerStore: createClient(layerstore.LayerStoreServiceService, address("layer-store"), options("layer-store")),
    imageStore: createClient(imagestore.ImageStoreServiceService, address("image-store"), options("image-store")),
    containerConfig: createClient(containerconfig.ContainerConfigServiceService, address("container-config"), options("container-config")),
    orchestrator: createClient(orchestrator.OrchestratorServiceService, address("orchestrator"), options("orchestrator")),
  };
}

export function closeClients(clients: SlipwayClients): void {
  for (const client of Object.values(clients)) client.close();
}
