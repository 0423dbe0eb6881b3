import { AsyncLocalStorage } from "node:async_hooks";
import { Metadata, status } from "@grpc/grpc-js";
import type { MethodDefinition } from "./definitions.js";
import { observedCall } from "./client-observer.js";
import { toStatus } from "./error-mapping.js";
import type { ServerMiddleware } from "./middleware.js";
import type { AnyHandler, ServedMethod } from "./server-handlers.js";

/** One call as an observer sees it (tracing: its span), from before it starts until it ends. */
export interface ObservedCall {
  /** Runs `start` inside the call: what it begins (the handler, the calls it makes) belongs to this call. */
  run<T>(start: () => T): T;
  /** The call is over, with its gRPC status code (0 when it succeeded). */
  end(code: status, err?: unknown): void;
}

/**
 * What an observer of a process's calls provides (libs/tracing implements it). Installed once at start-up,
 * before any app builds its servers, clients and logger, or not at all: then nothing of it runs per call.
 */
export interface CallHooks {
  /** A call `app` serves; `header` reads what the caller sent (nothing in-process, where the caller's context carries it). */
  serverCall(app: string, method: MethodDefinition, header: (name: string) => string | undefined): ObservedCall;
  /** A call the current app makes; `setHeader` adds to what goes to the callee. */
  clientCall(method: MethodDefinition, setHeader: (name: string, value: string) => void): ObservedCall;
  /** Runs an app's start-up, and so everything it later starts by itself (timers, watches), as that app's. */
  runAs<T>(app: string, start: () => T): T;
  /** Fields each log line adds (the trace ID of the call it is logged in). */
  logFields(): Record<string, unknown>;
}

let installed: CallHooks | undefined;

/** Makes `hooks` observe every server, client and logger made from now on in this process. */
export function installCallHooks(hooks: CallHooks): void {
  installed = hooks;
}

/** The hooks installed in this process, if any. */
export function installedCallHooks(): CallHooks | undefined {
  return installed;
}

/** The middleware that runs each call `app` serves inside its observed call; outermost, so the call log is inside it. */
export function observedServerCalls(app: string, hooks: CallHooks): ServerMiddleware {
  return async ({ method, ctx }, next) => {
    const call = hooks.serverCall(app, method, (name) => ctx.metadata.get(name)[0] as string | undefined);
    try {
      await call.run(next);
    } catch (err) {
      call.end(toStatus(err).code, err);
      throw err;
    }
    call.end(status.OK);
  };
}

/** A client method (network or in-process) as the hooks observe it: `send` takes the metadata the call goes with. */
export function observedClientMethod<O>(
  method: MethodDefinition,
  send: (input: unknown, opts: O | undefined, metadata: Metadata) => unknown,
  hooks: CallHooks,
): (input: unknown, opts?: O) => unknown {
  return (input, opts) => {
    const metadata = new Metadata();
    const call = hooks.clientCall(method, (name, value) => metadata.set(name, value));
    const started = () => (err?: unknown) => call.end(err === undefined ? status.OK : toStatus(err).code, err);
    return observedCall((request: unknown) => call.run(() => send(request, opts, metadata)), method, started)(input);
  };
}

/**
 * The methods as an in-process client runs them when calls are observed: a response stream is produced in the
 * context its handler was called in (the served call's), as over the network, not in the context of whoever reads it.
 */
export function producedInCallContext(methods: readonly ServedMethod[]): ServedMethod[] {
  return methods.map((served) => (served.method.responseStream ? { ...served, handler: inCallContext(served.handler) } : served));
}

function inCallContext(handler: AnyHandler): AnyHandler {
  return (input, ctx) => {
    const inCall = AsyncLocalStorage.snapshot();
    const responses = handler(input, ctx) as AsyncIterable<unknown>;
    return {
      [Symbol.asyncIterator]: () => {
        const iterator = inCall(() => responses[Symbol.asyncIterator]());
        return {
          next: () => inCall(() => iterator.next()),
          return: (value?: unknown) => inCall(() => iterator.return?.(value) ?? Promise.resolve({ done: true as const, value })),
        };
      },
    };
  };
}
