import { Metadata, status, type ServiceError } from "@grpc/grpc-js";
import type { Logger } from "pino";
import type { CallContext } from "./context.js";
import type { MethodDefinition } from "./definitions.js";
import { toStatus } from "./errors.js";
import { logCall, type AnyHandler, type ServiceRegistration } from "./server-handlers.js";

/**
 * Calls between apps that one process hosts (npm start runs all five in one Node process) skip HTTP/2:
 * a client finds the handler by the address it dials and calls it directly. Everything else stays as on
 * the wire: messages pass through the client's and the server's codecs (so no two apps share an object),
 * errors through the same status mapping, and each call has its deadline, its cancellation and its log line.
 * The gRPC servers still listen, for every caller outside the process.
 */
let enabled = false;
const hosted = new Map<string, HostedService>();

interface HostedService {
  readonly handlers: ReadonlyMap<string, { readonly method: MethodDefinition; readonly handler: AnyHandler }>;
  readonly logger: Logger;
  readonly inFlight: Set<Promise<unknown>>;
}

/** Turns in-process calls on (npm start's host process, before any app starts) or off. */
export function enableInProcessCalls(on = true): void {
  enabled = on;
}

/**
 * Makes the services a server at `address` serves callable in-process (when enabled). The returned
 * function withdraws them (later calls go over the network, which the stopped server refuses) and
 * resolves once the in-process calls still running have settled.
 */
export function hostInProcess(address: string, registrations: readonly ServiceRegistration[], logger: Logger): () => Promise<void> {
  const handlers = new Map<string, { method: MethodDefinition; handler: AnyHandler }>();
  for (const { definition, handlers: byName } of registrations) {
    for (const [name, method] of Object.entries(definition)) handlers.set(method.path, { method, handler: byName[name] as AnyHandler });
  }
  const service: HostedService = { handlers, logger, inFlight: new Set() };
  const aliases = aliasesOf(address);
  aliases.forEach((alias) => hosted.set(alias, service));
  return async () => {
    aliases.forEach((alias) => hosted.get(alias) === service && hosted.delete(alias));
    await Promise.allSettled([...service.inFlight]);
  };
}

/** A wildcard bind is dialled on loopback. */
function aliasesOf(address: string): string[] {
  const wildcard = /^(0\.0\.0\.0|\[::\]):(\d+)$/.exec(address);
  return wildcard ? [address, `127.0.0.1:${wildcard[2]}`, `localhost:${wildcard[2]}`] : [address];
}

/** What a client knows when it calls: its own codecs, the deadline, the caller's cancellation, how to word errors. */
export interface LocalCallOptions {
  readonly method: MethodDefinition;
  readonly deadline: Date;
  readonly parentSignal?: AbortSignal;
  readonly toError: (err: ServiceError) => Error;
}

/** The in-process form of a call to `address`, or undefined when no service of this process serves it there. */
export function inProcessCall(address: string, path: string): ((input: unknown, options: LocalCallOptions) => unknown) | undefined {
  const service = enabled ? hosted.get(address) : undefined;
  const target = service?.handlers.get(path);
  if (!service || !target) return undefined;
  return (input, options) => {
    const call = new LocalCall(path, service, options);
    const request = () =>
      target.method.requestStream
        ? call.input(input as AsyncIterable<unknown> | Iterable<unknown>, target.method)
        : target.method.requestDeserialize(options.method.requestSerialize(input));
    const output = call.run(() => target.handler(request(), call.ctx));
    const toClient = (message: unknown) => options.method.responseDeserialize(target.method.responseSerialize(message));
    return target.method.responseStream ? call.output(output as AsyncIterable<unknown> | Promise<never>, toClient) : call.settle((output as Promise<unknown>).then(toClient));
  };
}

const CUT_REQUEST_STREAM = "the caller cancelled the call (or its deadline passed) before finishing its request stream";

/** One in-process call: its context, deadline timer, log line and error mapping. */
class LocalCall {
  readonly ctx: CallContext;
  /** Made when the handler first looks at ctx.signal (few do): most calls never need one. */
  private controller?: AbortController;
  private cutReason?: Error;
  private metadata?: Metadata;
  private readonly started = performance.now();
  private readonly timer: NodeJS.Timeout;
  private readonly cut: Promise<never>;
  private callerError: unknown;
  private logged = false;
  private readonly done: Promise<void>;
  private settled!: () => void;
  private readonly onParentAbort = () => this.stop(status.CANCELLED, "Cancelled on client");
  private stop!: (code: status, details: string) => void;

  constructor(
    private readonly path: string,
    private readonly service: HostedService,
    private readonly options: LocalCallOptions,
  ) {
    const { deadline, parentSignal } = options;
    const call = this;
    this.ctx = {
      method: path,
      deadline,
      peer: "in-process",
      get signal() {
        return call.signal();
      },
      get metadata() {
        return (call.metadata ??= new Metadata());
      },
    };
    this.cut = new Promise<never>((_, reject) => {
      this.stop = (code, details) => (this.abort(new Error(`${path} was cancelled by the caller`)), reject(this.error(code, details)));
    });
    this.cut.catch(() => undefined);
    this.timer = setTimeout(() => this.stop(status.DEADLINE_EXCEEDED, "Deadline exceeded"), deadline.getTime() - Date.now());
    parentSignal?.addEventListener("abort", this.onParentAbort, { once: true });
    if (parentSignal?.aborted) this.onParentAbort();
    this.done = new Promise<void>((resolve) => (this.settled = resolve));
    service.inFlight.add(this.done);
  }

  /** Runs the handler; its outcome is logged once, as the server logs a network call. */
  run(handler: () => unknown): unknown {
    let result: unknown;
    try {
      result = handler();
    } catch (err) {
      result = Promise.reject(err);
    }
    if (result instanceof Promise) void result.then(() => this.finish(), (err: unknown) => this.finish(err));
    return result;
  }

  /** A unary answer, or the call's failure as the client sees it over the network. */
  settle(response: Promise<unknown>): Promise<unknown> {
    return Promise.race([response, this.cut]).then(
      (value) => {
        this.close();
        // The caller's own failure (e.g. a file read error) is its answer, whatever the handler made of the cut stream.
        if (this.callerError !== undefined) throw this.callerError;
        return value;
      },
      (err: unknown) => {
        this.close();
        throw this.clientError(err);
      },
    );
  }

  /** The handler's request stream: the caller's messages, each through both codecs; a cut call ends it with an error. */
  async *input(requests: AsyncIterable<unknown> | Iterable<unknown>, target: MethodDefinition): AsyncIterable<unknown> {
    try {
      for await (const request of requests) {
        if (this.cutReason) break;
        yield target.requestDeserialize(this.options.method.requestSerialize(request));
      }
    } catch (err) {
      this.callerError = err;
      this.abort(err as Error);
    }
    if (this.cutReason) throw new Error(CUT_REQUEST_STREAM);
  }

  /** The handler's response stream as the client iterates it; a cut call or a failed handler ends it with the client's error. */
  async *output(responses: AsyncIterable<unknown> | Promise<never>, toClient: (message: unknown) => unknown): AsyncIterable<unknown> {
    let iterator: AsyncIterator<unknown> | undefined;
    let completed = false;
    try {
      // A promise is a call that failed before its handler could answer (a request that did not encode).
      iterator = (await responses)[Symbol.asyncIterator]();
      for (;;) {
        const next = await Promise.race([iterator.next(), this.cut]);
        if (next.done) break;
        yield toClient(next.value);
      }
      completed = true;
      this.finish();
    } catch (err) {
      this.finish(err);
      throw this.clientError(err);
    } finally {
      if (!completed) {
        // The client stopped reading (or the call was cut): the handler is cancelled, as over the network.
        this.abort(new Error(`${this.path} was cancelled by the caller`));
        this.finish(new Error("the caller cancelled the call"));
        Promise.resolve(iterator?.return?.()).catch(() => undefined);
      }
      this.close();
    }
  }

  private signal(): AbortSignal {
    if (!this.controller) {
      this.controller = new AbortController();
      if (this.cutReason) this.controller.abort(this.cutReason);
    }
    return this.controller.signal;
  }

  /** Cuts the call: its signal (made now or later) is aborted with the first reason. */
  private abort(reason: Error): void {
    if (this.cutReason) return;
    this.cutReason = reason;
    this.controller?.abort(reason);
  }

  private finish(err?: unknown): void {
    if (this.logged) return;
    this.logged = true;
    logCall(this.service.logger, this.path, "in-process", this.started, err);
  }

  private close(): void {
    clearTimeout(this.timer);
    this.options.parentSignal?.removeEventListener("abort", this.onParentAbort);
    this.service.inFlight.delete(this.done);
    this.settled();
  }

  private clientError(err: unknown): Error {
    if (this.callerError !== undefined) return this.callerError as Error;
    if (isServiceError(err)) return this.options.toError(err);
    const { code, details } = toStatus(err);
    return this.options.toError(this.error(code, details));
  }

  private error(code: status, details: string): ServiceError {
    return Object.assign(new Error(`${code} ${status[code]}: ${details}`), { code, details, metadata: new Metadata() });
  }
}

function isServiceError(err: unknown): err is ServiceError {
  return err instanceof Error && typeof (err as Partial<ServiceError>).code === "number" && "details" in err;
}
