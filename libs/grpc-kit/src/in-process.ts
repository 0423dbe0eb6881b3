import { Metadata, status, type ServiceError } from "@grpc/grpc-js";
import { cancelled } from "@slipway/errors";
import type { CallContext } from "./context.js";
import type { MethodDefinition } from "./definitions.js";
import { isServiceError, toStatus } from "./error-mapping.js";
import type { ServedMethod } from "./server-handlers.js";

/**
 * The services one process hosts, by the addresses they listen on, so that calls between the apps of that
 * process (npm start runs all five in one) skip HTTP/2: a client given the registry finds the handler by the
 * address it dials and calls it directly. Everything else stays as on the wire: messages pass through the
 * client's and the server's codecs (so no two apps share an object), errors through the same status mapping,
 * and each call has its deadline, its cancellation and the service's middleware (the call log among them).
 * The gRPC servers still listen, for every caller outside the process. Whoever composes the apps owns the
 * registry, so two stacks in one process (tests) never call each other's services.
 */
export class InProcessRegistry {
  private readonly hosted = new Map<string, HostedService>();

  /**
   * Makes the methods a server at `address` serves callable in-process. The returned function withdraws them
   * (later calls go over the network, which the stopped server refuses) and resolves once the in-process
   * calls still running have settled.
   */
  host(address: string, methods: readonly ServedMethod[]): () => Promise<void> {
    const service: HostedService = { methods: new Map(methods.map((served) => [served.method.path, served])), inFlight: new Set() };
    const aliases = aliasesOf(address);
    aliases.forEach((alias) => this.hosted.set(alias, service));
    return async () => {
      aliases.forEach((alias) => this.hosted.get(alias) === service && this.hosted.delete(alias));
      await Promise.allSettled([...service.inFlight]);
    };
  }

  /** The in-process form of a call to `address`, or undefined when no service of this registry serves it there. */
  call(address: string, path: string): ((input: unknown, options: LocalCallOptions) => unknown) | undefined {
    const service = this.hosted.get(address);
    const target = service?.methods.get(path);
    if (!service || !target) return undefined;
    return (input, options) => new LocalCall(target, service.inFlight, options).start(input);
  }
}

interface HostedService {
  readonly methods: ReadonlyMap<string, ServedMethod>;
  readonly inFlight: Set<Promise<unknown>>;
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
  /** What the caller sent with the call (the framed transport's callers; none in-process). */
  readonly metadata?: Metadata;
  /** Who calls, as the handler's context names it; default "in-process". */
  readonly peer?: string;
}

const CUT_REQUEST_STREAM = "the caller cancelled the call (or its deadline passed) before finishing its request stream";

/** One in-process call: its context, deadline timer, middleware and error mapping. */
class LocalCall {
  readonly ctx: CallContext;
  /** Made when the handler first looks at ctx.signal (few do): most calls never need one. */
  private controller?: AbortController;
  private cutReason?: Error;
  private metadata?: Metadata;
  private readonly timer: NodeJS.Timeout;
  private readonly cut: Promise<never>;
  private callerError: unknown;
  /** Settles the innermost step of the middleware chain once the client is done with the response stream. */
  private streamEnded?: { resolve: () => void; reject: (err: unknown) => void };
  private readonly done: Promise<void>;
  private settled!: () => void;
  private readonly onParentAbort = () => this.stop(status.CANCELLED, "Cancelled on client");
  private stop!: (code: status, details: string) => void;

  constructor(
    private readonly target: ServedMethod,
    private readonly inFlight: Set<Promise<unknown>>,
    private readonly options: LocalCallOptions,
  ) {
    const { deadline, parentSignal } = options;
    const path = target.method.path;
    const signal = () => this.signal();
    this.metadata = options.metadata;
    const metadata = () => (this.metadata ??= new Metadata());
    this.ctx = {
      method: path,
      deadline,
      peer: options.peer ?? "in-process",
      get signal() {
        return signal();
      },
      get metadata() {
        return metadata();
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
    inFlight.add(this.done);
  }

  /**
   * Runs the handler inside the service's middleware, as the server runs a network call: the request through
   * both codecs on the way in, the answer (a promise, or a stream the client iterates) on the way out.
   */
  start(input: unknown): unknown {
    const { name, method, handler, around } = this.target;
    const info = { name, method, ctx: this.ctx };
    const request = () =>
      method.requestStream
        ? this.input(input as AsyncIterable<unknown> | Iterable<unknown>, method)
        : method.requestDeserialize(this.options.method.requestSerialize(input));
    const toClient = (message: unknown) => this.options.method.responseDeserialize(method.responseSerialize(message));
    if (!method.responseStream) {
      let response: unknown;
      const answered = around(info, async () => void (response = await handler(request(), this.ctx)));
      return this.settle(answered.then(() => toClient(response)));
    }
    let handOver!: (responses: AsyncIterable<unknown>) => void;
    const responses = new Promise<AsyncIterable<unknown>>((resolve) => (handOver = resolve));
    const over = around(
      info,
      () =>
        new Promise<void>((resolve, reject) => {
          this.streamEnded = { resolve, reject };
          handOver(handler(request(), this.ctx) as AsyncIterable<unknown>);
        }),
    );
    // A call the middleware refused (or whose request did not encode) never hands a stream over.
    const handedOver = Promise.race([responses, over.then(() => responses)]);
    handedOver.catch(() => undefined);
    return this.output(handedOver, toClient);
  }

  /** A unary answer, or the call's failure as the client sees it over the network. */
  private settle(response: Promise<unknown>): Promise<unknown> {
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
  private async *input(requests: AsyncIterable<unknown> | Iterable<unknown>, target: MethodDefinition): AsyncIterable<unknown> {
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
  private async *output(responses: Promise<AsyncIterable<unknown>>, toClient: (message: unknown) => unknown): AsyncIterable<unknown> {
    let iterator: AsyncIterator<unknown> | undefined;
    let completed = false;
    try {
      iterator = (await Promise.race([responses, this.cut]))[Symbol.asyncIterator]();
      for (;;) {
        const next = await Promise.race([iterator.next(), this.cut]);
        if (next.done) break;
        yield toClient(next.value);
      }
      completed = true;
      this.streamEnded?.resolve();
    } catch (err) {
      // A cut (the caller cancelled, the deadline passed) ends the call as its status does over the network.
      this.streamEnded?.reject(isServiceError(err) ? this.options.toError(err) : err);
      throw this.clientError(err);
    } finally {
      if (!completed) {
        // The client stopped reading (or the call was cut): the handler is cancelled, as over the network.
        this.abort(new Error(`${this.target.method.path} was cancelled by the caller`));
        this.streamEnded?.reject(cancelled("the caller cancelled the call"));
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

  private close(): void {
    clearTimeout(this.timer);
    this.options.parentSignal?.removeEventListener("abort", this.onParentAbort);
    this.inFlight.delete(this.done);
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
