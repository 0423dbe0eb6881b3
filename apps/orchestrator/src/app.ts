import { service, unimplementedHandlers, type App } from "@slipway/grpc-kit";
import { orchestrator } from "@slipway/proto";

/** Wires the orchestrator service. Its RPCs answer UNIMPLEMENTED until the issue that implements them lands. */
export function createApp(): App {
  return { services: [service(orchestrator.OrchestratorServiceService, unimplementedHandlers(orchestrator.OrchestratorServiceService, "orchestrator"))] };
}
