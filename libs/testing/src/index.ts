export { SlipwayStack, type DockerOptions, type EngineApiEndpoint, type RestartOptions, type SlipwayStackOptions } from "./stack.js";
export { DEFAULT_CALLERS, type SlipwayClients } from "./clients.js";
export {
  DATA_ROOT_IN_CONTAINER,
  DEPLOYMENT,
  ENGINE_API_TCP_PORT,
  GRPC_APPS,
  NODE_USER,
  RUN_ROOT_IN_CONTAINER,
  SLIPWAY_APPS,
  TLS_DIR_IN_CONTAINER,
  addressEnv,
  certificateFilesOf,
  keyOwners,
  sharedEnv,
  type AppDeployment,
  type GrpcApp,
  type SlipwayApp,
} from "./deployment.js";
export { runDocker, type DockerEnv } from "./docker-cli.js";
export { buildSlipwayImage, DEFAULT_IMAGE, OFFLINE_BASE_IMAGE, REPO_ROOT, type BuildImageOptions } from "./image.js";
export { pingEngineApi, type EngineApiClientTls, type EngineApiTarget } from "@slipway/throwaway-dockerd";
export {
  reapLeftoverComposeProjects,
  reapLeftoverStacks,
  removeStack,
  testComposeProject,
  OWNER_PID_LABEL,
  STACK_LABEL,
  type Removed,
} from "./reap.js";
export { startSecondDockerd, type SecondDockerd, type SecondDockerdOptions } from "@slipway/throwaway-dockerd";
export { CertificateDir } from "./tls.js";
