import {
  type sendUnaryData,
  type ServerDuplexStream,
  type ServerReadableStream,
  type ServerUnaryCall,
  type ServerWritableStream,
  type UntypedHandleCall,
  type UntypedServiceImplementation,
} from "@grpc/grpc-js";
import { contextOf, type CallContext, type ServerSurfaceCall } from "./context.js";
import type { MethodDefinition, RequestOf, ResponseOf, ServiceDefinition } from "./definitions.js";
import { toStatus } from "./error-mapping.js";
import { composeMiddleware, type ServerMiddleware } from "./middleware.js";

/** A handler in async style, typed from the method definition's streaming flags. */
export type Handler<M> = M extends { requestStream: false; responseStream: false }
  ? (request: RequestOf<M>, ctx: CallContext) => Promise<ResponseOf<M>>
  : M extends { requestStream: false; responseStream: true }
    ? (request: RequestOf<M>, ctx: CallContext) => AsyncIterable<ResponseOf<M>>
    : M extends { requestStream: true; responseStream: false }
      ? (requests: AsyncIterable<RequestOf<M>>, ctx: CallContext) => Promise<ResponseOf<M>>
      : (requests: AsyncIterable<RequestOf<M>>, ctx: CallContext) => AsyncIterable<ResponseOf<M>>;

export type ServiceHandlers<S extends ServiceDefinition> = { [K in keyof S]: Handler<S[K]> };

/** A service definition with its handlers and the middleware that runs around each of their calls. */
export interface ServiceRegistration {
  readonly definition: ServiceDefinition;
  readonly handlers: Record<string, (...args: any[]) => unknown>;
  readonly middleware: readonly ServerMiddleware[];
}

export interface RegistrationOptions {
  /** Runs around every call of the service, first outermost (inside the server's call log). */
  readonly middleware?: readonly ServerMiddleware[];
}

export function service<S extends ServiceDefinition>(
  definition: S,
  handlers: ServiceHandlers<S>,
  options: RegistrationOptions = {},
): ServiceRegistration {
  return { definition, handlers: handlers as ServiceRegistration["handlers"], middleware: options.middleware ?? [] };
}

export type AnyHandler = (input: unknown, ctx: CallContext) => unknown;

/** One method as a server runs it: its handler inside the middleware chain, the same over the network and in-process. */
export interface ServedMethod {
  readonly name: string;
  readonly method: MethodDefinition;
  readonly handler: AnyHandler;
  readonly around: ServerMiddleware;
}

/** The methods of a registration, each inside the server's middleware, then the service's own (composed once). */
export function servedMethods(registration: ServiceRegistration, serverMiddleware: readonly ServerMiddleware[]): ServedMethod[] {
  const around = composeMiddleware([...serverMiddleware, ...registration.middleware]);
  return Object.entries(registration.definition).map(([name, method]) => {
    const handler = registration.handlers[name] as AnyHandler | undefined;
    if (!handler) throw new Error(`no handler for ${method.path}`);
    return { name, method, handler, around };
  });
}

/** grpc-js callbacks for a service's methods: async handlers, run inside their middleware, answering gRPC statuses. */
export function toGrpcImplementation(methods: readonly ServedMethod[]): UntypedServiceImplementation {
  return Object.fromEntries(methods.map((served) => [served.name, adapt(served)]));
}

function adapt({ name, method, handler, around }: ServedMethod): UntypedHandleCall {
  if (!method.responseStream) {
    return (call: ServerUnaryCall<unknown, unknown> | ServerReadableStream<unknown, unknown>, callback: sendUnaryData<unknown>) => {
      const ctx = contextOf(method.path, call);
      const input = method.requestStream
        ? untilCancelled(call, call as ServerReadableStream<unknown, unknown>)
        : (call as ServerUnaryCall<unknown, unknown>).request;
      let response: unknown;
      around({ name, method, ctx }, async () => void (response = await handler(input, ctx))).then(
        () => callback(null, response),
        (err: unknown) => callback(toStatus(err)),
      );
    };
  }
  return (call: ServerWritableStream<unknown, unknown> | ServerDuplexStream<unknown, unknown>) => {
    const ctx = contextOf(method.path, call);
    // A for-await over a Readable destroys it when the loop ends, which on a duplex call would
    // also drop every response still to come: iterate without destroying.
    const input = method.requestStream
      ? untilCancelled(call, (call as ServerDuplexStream<unknown, unknown>).iterator({ destroyOnReturn: false }))
      : (call as ServerWritableStream<unknown, unknown>).request;
    around({ name, method, ctx }, () => writeAll(call as ServerWritableStream<unknown, unknown>, handler(input, ctx) as AsyncIterable<unknown>)).then(
      () => call.end(),
      (err: unknown) => call.emit("error", toStatus(err)),
    );
  };
}

/**
 * A request stream cut by the caller (cancel, deadline) must fail in the handler, never look complete:
 * iterated directly, grpc-js's stream can end as if the caller had finished, and a store would take a
 * cut upload for a whole one. `cancelled` can be set just after the end, hence the turn of the loop.
 */
async function* untilCancelled<T>(call: ServerSurfaceCall, input: AsyncIterable<T>): AsyncIterable<T> {
  const cut = () => new Error("the caller cancelled the call (or its deadline passed) before finishing its request stream");
  try {
    for await (const message of input) yield message;
  } catch (err) {
    throw call.cancelled || (err as NodeJS.ErrnoException).code === "ERR_STREAM_PREMATURE_CLOSE" ? cut() : err;
  }
  await new Promise((resolve) => setImmediate(resolve));
  if (call.cancelled) throw cut();
}

async function writeAll(call: ServerWritableStream<unknown, unknown>, output: AsyncIterable<unknown>): Promise<void> {
  for await (const message of output) {
    if (call.cancelled) throw new Error("the caller cancelled the call");
    if (!call.write(message)) await drainedOrCancelled(call);
  }
}

function drainedOrCancelled(call: ServerWritableStream<unknown, unknown>): Promise<void> {
  return new Promise((resolve) => {
    const done = () => (call.off("drain", done), call.off("cancelled", done), resolve());
    call.once("drain", done).once("cancelled", done);
  });
}
