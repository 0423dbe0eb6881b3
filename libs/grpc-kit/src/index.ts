export * from "./definitions.js";
export type { CallContext } from "./context.js";
export { createLogger, type Logger } from "./logger.js";
export { service, type Handler, type RegistrationOptions, type ServiceHandlers, type ServiceRegistration } from "./server-handlers.js";
export { SLOW_CALL_MS, untilReady, type ServerCallInfo, type ServerMiddleware } from "./middleware.js";
export { SERVER_STREAM_WINDOW, startService, type RunningService, type ServiceOptions } from "./server.js";
export { createClient, LONGEST_DEADLINE_MS, type CallOpts, type ClientOptions, type ServiceClient } from "./client.js";
export type { ClientCallObserver } from "./client-observer.js";
export { statusNameOf } from "./error-mapping.js";
export * from "./config.js";
export { isEntryPoint, runService, stopOnSignal, type App } from "./run.js";
export { installCallHooks, installedCallHooks, type CallHooks, type ObservedCall } from "./call-hooks.js";
export { reportEventLoopDelay } from "./loop-delay.js";
export { InProcessRegistry } from "./in-process.js";
export { unimplementedHandlers } from "./unimplemented.js";
export { checkHealth, waitUntilServing } from "./health-client.js";
export { listReflectedServices } from "./reflection-client.js";
export { containerConfigDefinition, imageStoreDefinition, layerStoreDefinition, orchestratorDefinition } from "./service-definitions.js";
export {
  CertificateFiles,
  certificatePathsIn,
  loadCertificateSet,
  type CertificatePaths,
  type CertificateSet,
} from "./security/certificate-files.js";
export { claimSocketPath, secureRunRoot, secureSocket, socketGroupFrom, type ClaimOptions, type SocketGroup } from "./security/local-socket.js";
export { identityOf, identityUri, IDENTITY_PREFIX } from "./security/identity.js";
export { ACCESS_POLICY, decideAccess, type AccessDecision } from "./security/access-policy.js";
export { isUnixAddress } from "./security/transport-credentials.js";
