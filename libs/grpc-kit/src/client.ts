import { Client, Metadata, type CallOptions, type ServiceError } from "@grpc/grpc-js";
import { installedCallHooks, observedClientMethod } from "./call-hooks.js";
import { observedCall, type ClientCallObserver } from "./client-observer.js";
import type { CallContext } from "./context.js";
import type { MethodDefinition, RequestOf, ResponseOf, ServiceDefinition } from "./definitions.js";
import { fromServiceError, isServiceError } from "./error-mapping.js";
import { FramedChannel } from "./framed/framed-channel.js";
import { framedMethod, type BoundMethod } from "./framed/framed-methods.js";
import { framedSocketPath } from "./framed/framed-server.js";
import type { InProcessRegistry } from "./in-process.js";
import type { CertificateFiles } from "./security/certificate-files.js";
import { channelCredentialsFor, isUnixAddress, tlsChannelOptions } from "./security/transport-credentials.js";

/** Per-call options: an explicit deadline, and the incoming call whose deadline and cancellation propagate. */
export interface CallOpts {
  readonly deadlineMs?: number;
  readonly parent?: CallContext;
  /** Cancels the call when aborted: for a caller that is no gRPC call itself (an HTTP request whose client left). */
  readonly signal?: AbortSignal;
}

export type ClientMethod<M> = M extends { requestStream: false; responseStream: false }
  ? (request: RequestOf<M>, opts?: CallOpts) => Promise<ResponseOf<M>>
  : M extends { requestStream: false; responseStream: true }
    ? (request: RequestOf<M>, opts?: CallOpts) => AsyncIterable<ResponseOf<M>>
    : M extends { requestStream: true; responseStream: false }
      ? (requests: AsyncIterable<RequestOf<M>> | Iterable<RequestOf<M>>, opts?: CallOpts) => Promise<ResponseOf<M>>
      : (requests: AsyncIterable<RequestOf<M>> | Iterable<RequestOf<M>>, opts?: CallOpts) => AsyncIterable<ResponseOf<M>>;

export type ServiceClient<S extends ServiceDefinition> = { [K in keyof S]: ClientMethod<S[K]> } & {
  /** Closes the channel. */
  close(): void;
};

export interface ClientOptions {
  /** The service dialled, e.g. "layer-store": named in errors, and the identity its certificate must carry over TCP. */
  readonly name: string;
  /** The caller's own certificates, for a TCP address (mutual TLS); a unix socket needs none. */
  readonly certificates?: CertificateFiles;
  /** Deadline of unary calls without an explicit one. */
  readonly unaryDeadlineMs?: number;
  /** Deadline of streaming calls without an explicit one (archives can be large). */
  readonly streamDeadlineMs?: number;
  /** The services hosted in this process: a call to one of them skips the network. */
  readonly inProcess?: InProcessRegistry;
  /** Told of every call (the app's metrics). */
  readonly observe?: ClientCallObserver;
}

/**
 * A promise/async-iterator client for a ts-proto service definition. Every call carries a deadline:
 * the explicit one, else the parent call's (when sooner), else the client default. Errors come back
 * as SlipwayError of the matching kind; UNAVAILABLE, DEADLINE_EXCEEDED and CANCELLED name the service.
 */
export function createClient<S extends ServiceDefinition>(definition: S, address: string, options: ClientOptions): ServiceClient<S> {
  const channel = new Client(address, channelCredentialsFor(address, options.name, options.certificates), {
    "grpc.max_receive_message_length": 64 * 1024 * 1024,
    "grpc.enable_retries": 0,
    // Channelz keeps per-call statistics nobody reads here; they cost CPU on every call.
    "grpc.enable_channelz": 0,
    // A call fails fast while its channel backs off after a refused connect, so keep the backoff short:
    // a peer that comes up (or back) is used within a fraction of a second, not grpc's default 1-120 s.
    "grpc.initial_reconnect_backoff_ms": 100,
    "grpc.max_reconnect_backoff_ms": 2_000,
    // Each client its own connections: grpc-js otherwise shares them between channels to the same address, and
    // one client's backoff after the peer restarted would fail another's first calls.
    "grpc.use_local_subchannel_pool": 1,
    "grpc-node.flow_control_window": 16 * 1024 * 1024,
    ...tlsChannelOptions(address, options.name),
  });
  const unaryDefault = options.unaryDeadlineMs ?? 30_000;
  const streamDefault = options.streamDeadlineMs ?? 60 * 60_000;
  const toError = (err: ServiceError) => fromServiceError(err, options.name, address);
  // A server on a unix socket also serves framed calls beside it (framed/), far cheaper than HTTP/2 between two processes.
  const framed = isUnixAddress(address) ? new FramedChannel(framedSocketPath(address.slice("unix:".length))) : undefined;
  const client: Record<string, unknown> = { close: () => (framed?.close(), channel.close()) };
  const hooks = installedCallHooks();
  for (const [name, method] of Object.entries(definition)) {
    const streaming = method.requestStream || method.responseStream;
    const callOptions = (opts?: CallOpts) => callOptionsFor(opts, streaming ? streamDefault : unaryDefault);
    const overHttp2 = bindMethod(channel, method, callOptions, toError);
    const deadlineOf = (opts?: CallOpts) => callOptions(opts).deadline as Date;
    const overNetwork = framed ? framedMethod(framed, method, deadlineOf, toError, overHttp2 as BoundMethod) : overHttp2;
    const call = (input: unknown, opts?: CallOpts, metadata?: Metadata) => {
      const local = options.inProcess?.call(address, method.path);
      if (!local) return overNetwork(input as never, opts, metadata);
      const { deadline } = callOptions(opts);
      return local(input, { method, deadline: deadline as Date, parentSignal: opts?.signal ?? opts?.parent?.signal, toError });
    };
    const traced = hooks ? observedClientMethod(method, call, hooks) : call;
    client[name] = options.observe ? observedCall(traced, method, options.observe(method)) : traced;
  }
  return client as ServiceClient<S>;
}

/**
 * The longest deadline a call can have, for streams with no natural end (event watches): a server's deadline
 * is a timer, and Node fires a timer longer than 2^31-1 ms at once. Whole seconds below that, because the
 * grpc-timeout header rounds up to whole seconds.
 */
export const LONGEST_DEADLINE_MS = 2_147_000_000;

/**
 * How much earlier than its caller's deadline a downstream call's ends: when a service down the line does not
 * answer, the caller then gets that call's error, which names the service, before its own deadline passes.
 */
const DOWNSTREAM_MARGIN_MS = 500;

function callOptionsFor(opts: CallOpts | undefined, defaultMs: number): CallOptions {
  const own = Date.now() + (opts?.deadlineMs ?? defaultMs);
  const inherited = (opts?.parent?.deadline?.getTime() ?? Infinity) - DOWNSTREAM_MARGIN_MS;
  const callOptions: CallOptions = { deadline: new Date(Math.min(own, inherited)) };
  // An in-process parent has no gRPC call: its deadline still bounds this one.
  if (opts?.parent?.call) callOptions.parent = opts.parent.call as CallOptions["parent"];
  return callOptions;
}

type ToError = (err: ServiceError) => Error;

function bindMethod(channel: Client, m: MethodDefinition, options: (o?: CallOpts) => CallOptions, toError: ToError) {
  const { path, requestSerialize: ser, responseDeserialize: de } = m;
  if (!m.requestStream && !m.responseStream) {
    return (request: unknown, opts?: CallOpts, metadata = new Metadata()) =>
      new Promise((resolve, reject) =>
        channel.makeUnaryRequest(path, ser, de, request, metadata, options(opts), (err, res) => (err ? reject(toError(err)) : resolve(res))),
      );
  }
  if (m.requestStream && !m.responseStream) {
    return (requests: AsyncIterable<unknown> | Iterable<unknown>, opts?: CallOpts, metadata = new Metadata()) =>
      new Promise((resolve, reject) => {
        const call = channel.makeClientStreamRequest(path, ser, de, metadata, options(opts), (err, res) =>
          err ? reject(toError(err)) : resolve(res),
        );
        // The caller's own failure (e.g. a file read error) is the one worth reporting, not CANCELLED.
        pump(requests, call).catch((err) => (reject(err), call.cancel()));
      });
  }
  if (!m.requestStream) {
    return (request: unknown, opts?: CallOpts, metadata = new Metadata()) => {
      const call = channel.makeServerStreamRequest(path, ser, de, request, metadata, options(opts));
      opts?.signal?.addEventListener("abort", () => call.cancel(), { once: true });
      return translateErrors(call, toError);
    };
  }
  return (requests: AsyncIterable<unknown> | Iterable<unknown>, opts?: CallOpts, metadata = new Metadata()) => {
    const call = channel.makeBidiStreamRequest(path, ser, de, metadata, options(opts));
    pump(requests, call).catch(() => call.cancel());
    return translateErrors(call, toError);
  };
}

interface WritableCall {
  write(message: unknown): boolean;
  end(): void;
  once(event: "drain" | "close" | "error", listener: () => void): unknown;
  off(event: "drain" | "close" | "error", listener: () => void): unknown;
}

async function pump(requests: AsyncIterable<unknown> | Iterable<unknown>, call: WritableCall): Promise<void> {
  for await (const request of requests) {
    if (!call.write(request)) await writable(call);
  }
  call.end();
}

/** Resolves on "drain", or on "close"/"error": a failed call never drains, and the pump must not hang on it. */
function writable(call: WritableCall): Promise<void> {
  const events = ["drain", "close", "error"] as const;
  return new Promise((resolve) => {
    const done = () => (events.forEach((e) => call.off(e, done)), resolve());
    events.forEach((e) => call.once(e, done));
  });
}

async function* translateErrors<T>(call: AsyncIterable<T> & { cancel(): void }, toError: ToError): AsyncIterable<T> {
  let ended = false;
  try {
    yield* call;
    ended = true;
  } catch (err) {
    ended = true;
    throw isServiceError(err) ? toError(err) : err;
  } finally {
    // The caller stopped reading: without a cancel the server's handler would go on producing.
    if (!ended) call.cancel();
  }
}
