import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { CONSTRUCTOR_OF_KIND, type ErrorKind } from "@slipway/errors";
import { createLogger, service, startService, unimplementedHandlers, type ServiceDefinition, type ServiceHandlers } from "@slipway/grpc-kit";
import { imagestore, orchestrator } from "@slipway/proto";

type Orchestrator = typeof orchestrator.OrchestratorServiceService;
type ImageStore = typeof imagestore.ImageStoreServiceService;
/** Handlers a test may set or leave out. */
type Settable<S extends ServiceDefinition> = { -readonly [K in keyof S]?: ServiceHandlers<S>[K] };

/**
 * The orchestrator and image-store gRPC contracts served on a unix socket in a temp dir (as the apps listen by
 * default; TCP would need certificates) with handlers each test sets: the
 * HTTP layer's tests need exact answers (every error kind, progress at chosen moments) that real stores
 * give only in rare states. The real stack is driven by cli-session.test.ts.
 */
export interface StubBackends {
  readonly address: string;
  readonly orchestrator: Settable<Orchestrator>;
  readonly imageStore: Settable<ImageStore>;
  /** Back to UNIMPLEMENTED for every RPC. */
  reset(): void;
  stop(): Promise<void>;
}

export async function startStubBackends(): Promise<StubBackends> {
  const orchestratorHandlers: Settable<Orchestrator> = {};
  const imageStoreHandlers: Settable<ImageStore> = {};
  const dir = mkdtempSync(join(tmpdir(), "engine-api-stubs-"));
  const running = await startService({
    name: "stub-backends",
    bind: `unix:${join(dir, "stubs.sock")}`,
    logger: createLogger("stub-backends", "silent"),
    services: [
      service(orchestrator.OrchestratorServiceService, delegating(orchestrator.OrchestratorServiceService, orchestratorHandlers, "orchestrator")),
      service(imagestore.ImageStoreServiceService, delegating(imagestore.ImageStoreServiceService, imageStoreHandlers, "image-store")),
    ],
  });
  running.setServing();
  return {
    address: running.address,
    orchestrator: orchestratorHandlers,
    imageStore: imageStoreHandlers,
    reset: () => {
      for (const handlers of [orchestratorHandlers, imageStoreHandlers] as Record<string, unknown>[]) {
        for (const key of Object.keys(handlers)) delete handlers[key];
      }
    },
    stop: async () => {
      await running.shutdown();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** Handlers that call whatever the test has set at call time, else answer UNIMPLEMENTED. */
function delegating<S extends ServiceDefinition>(definition: S, set: Settable<S>, app: string): ServiceHandlers<S> {
  const fallback = unimplementedHandlers(definition, app) as Record<string, (...args: unknown[]) => unknown>;
  const current = set as Record<string, ((...args: unknown[]) => unknown) | undefined>;
  const entries = Object.keys(definition).map((name) => [name, (...args: unknown[]) => (current[name] ?? fallback[name]!)(...args)]);
  return Object.fromEntries(entries) as ServiceHandlers<S>;
}

/** A unary handler that fails with an error of the given kind. */
export const fail = (kind: ErrorKind, message: string) => async (): Promise<never> => {
  throw CONSTRUCTOR_OF_KIND[kind](message);
};

/** A streaming handler that fails before its first message. */
export const failStream = (kind: ErrorKind, message: string) =>
  // eslint-disable-next-line require-yield -- it fails before it has anything to send
  async function* (): AsyncGenerator<never> {
    throw CONSTRUCTOR_OF_KIND[kind](message);
  };
