import {
  status,
  type sendUnaryData,
  type ServerDuplexStream,
  type ServerReadableStream,
  type ServerUnaryCall,
  type ServerWritableStream,
  type UntypedHandleCall,
  type UntypedServiceImplementation,
} from "@grpc/grpc-js";
import type { Logger } from "pino";
import { contextOf, type CallContext, type ServerSurfaceCall } from "./context.js";
import type { MethodDefinition, RequestOf, ResponseOf, ServiceDefinition } from "./definitions.js";
import { isClientError, toStatus } from "./errors.js";
import { identityOf, identityUri } from "./security/identity.js";

/** A handler in async style, typed from the method definition's streaming flags. */
export type Handler<M> = M extends { requestStream: false; responseStream: false }
  ? (request: RequestOf<M>, ctx: CallContext) => Promise<ResponseOf<M>>
  : M extends { requestStream: false; responseStream: true }
    ? (request: RequestOf<M>, ctx: CallContext) => AsyncIterable<ResponseOf<M>>
    : M extends { requestStream: true; responseStream: false }
      ? (requests: AsyncIterable<RequestOf<M>>, ctx: CallContext) => Promise<ResponseOf<M>>
      : (requests: AsyncIterable<RequestOf<M>>, ctx: CallContext) => AsyncIterable<ResponseOf<M>>;

export type ServiceHandlers<S extends ServiceDefinition> = { [K in keyof S]: Handler<S[K]> };

/** A service definition with its handlers, ready for startService. */
export interface ServiceRegistration {
  readonly definition: ServiceDefinition;
  readonly handlers: Record<string, (...args: any[]) => unknown>;
}

export function service<S extends ServiceDefinition>(definition: S, handlers: ServiceHandlers<S>): ServiceRegistration {
  return { definition, handlers: handlers as ServiceRegistration["handlers"] };
}

export type AnyHandler = (input: unknown, ctx: CallContext) => unknown;

/** Wraps async handlers into grpc-js callbacks; every call is logged once with its code and duration. */
export function toGrpcImplementation(registration: ServiceRegistration, logger: Logger): UntypedServiceImplementation {
  const implementation: UntypedServiceImplementation = {};
  for (const [name, method] of Object.entries(registration.definition)) {
    const handler = registration.handlers[name] as AnyHandler | undefined;
    if (!handler) throw new Error(`no handler for ${method.path}`);
    implementation[name] = adapt(method, handler, logger);
  }
  return implementation;
}

function adapt(method: MethodDefinition, handler: AnyHandler, logger: Logger): UntypedHandleCall {
  const finish = (call: ServerSurfaceCall, started: number, err?: unknown) => logCall(logger, method.path, peerOf(call), started, err);
  if (!method.requestStream && !method.responseStream) {
    return (call: ServerUnaryCall<unknown, unknown>, callback: sendUnaryData<unknown>) => {
      const started = performance.now();
      (handler(call.request, contextOf(method.path, call)) as Promise<unknown>).then(
        (response) => (finish(call, started), callback(null, response)),
        (err) => callback(finish(call, started, err)),
      );
    };
  }
  if (method.requestStream && !method.responseStream) {
    return (call: ServerReadableStream<unknown, unknown>, callback: sendUnaryData<unknown>) => {
      const started = performance.now();
      (handler(untilCancelled(call, call), contextOf(method.path, call)) as Promise<unknown>).then(
        (response) => (finish(call, started), callback(null, response)),
        (err) => callback(finish(call, started, err)),
      );
    };
  }
  return (call: ServerWritableStream<unknown, unknown> | ServerDuplexStream<unknown, unknown>) => {
    const started = performance.now();
    // A for-await over a Readable destroys it when the loop ends, which on a duplex call would
    // also drop every response still to come: iterate without destroying.
    const input = method.requestStream
      ? untilCancelled(call, (call as ServerDuplexStream<unknown, unknown>).iterator({ destroyOnReturn: false }))
      : (call as ServerWritableStream<unknown, unknown>).request;
    const output = handler(input, contextOf(method.path, call)) as AsyncIterable<unknown>;
    writeAll(call as ServerWritableStream<unknown, unknown>, output).then(
      () => (finish(call, started), call.end()),
      (err) => call.emit("error", finish(call, started, err)),
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

/**
 * Who called, for the log: a TLS caller's identity and address, or "unix-socket" (grpc-js knows no
 * address for a socket's peer; whoever it is passed the socket's file mode).
 */
function peerOf(call: ServerSurfaceCall): string {
  const address = call.getPeer();
  const identity = identityOf(call.getAuthContext().sslPeerCertificate);
  if (identity) return `${identityUri(identity)}@${address}`;
  return address === "unknown" ? "unix-socket" : address;
}

/** Logs a served call once, with its code and duration; returns the status the caller gets. */
export function logCall(logger: Logger, path: string, peer: string, started: number, err?: unknown) {
  const { code, details } = err === undefined ? { code: status.OK, details: "" } : toStatus(err);
  const entry = { method: path, code: status[code], durationMs: elapsed(started), peer };
  if (code === status.OK || isClientError(code)) logger.info(details ? { ...entry, error: details } : entry, "rpc");
  // UNAVAILABLE says "not now" (recovering, a store down): the caller retries, no stack trace helps.
  else if (code === status.UNAVAILABLE) logger.warn({ ...entry, error: details }, "rpc");
  else logger.error({ ...entry, error: details, stack: err instanceof Error ? err.stack : undefined }, "rpc");
  return { code, details };
}

function elapsed(started: number): number {
  return Math.round((performance.now() - started) * 100) / 100;
}
