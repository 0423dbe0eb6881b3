export { SlipwayStack, type EngineApiEndpoint, type RestartOptions, type SlipwayStackOptions } from "./stack.js";
export type { SlipwayClients } from "./clients.js";
export {
  DATA_ROOT_IN_CONTAINER,
  DEPLOYMENT,
  ENGINE_API_TCP_PORT,
  GRPC_APPS,
  RUN_ROOT_IN_CONTAINER,
  SLIPWAY_APPS,
  addressEnv,
  type AppDeployment,
  type GrpcApp,
  type SlipwayApp,
} from "./deployment.js";
export { buildSlipwayImage, DEFAULT_IMAGE, OFFLINE_BASE_IMAGE, REPO_ROOT, type BuildImageOptions } from "./image.js";
export { pingEngineApi, type EngineApiTarget } from "./engine-api-ping.js";
export { reapLeftoverStacks, removeStack, OWNER_PID_LABEL, STACK_LABEL, type Removed } from "./reap.js";
export { startSecondDockerd, type SecondDockerd, type SecondDockerdOptions } from "./second-dockerd.js";
