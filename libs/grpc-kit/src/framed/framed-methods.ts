import type { Metadata, ServiceError } from "@grpc/grpc-js";
import type { CallOpts } from "../client.js";
import type { MethodDefinition } from "../definitions.js";
import type { FramedCall, FramedChannel, FramedConnection } from "./framed-channel.js";

/** A client method as client.ts binds it: a request (or a stream of them), per-call options, metadata. */
export type BoundMethod = (input: unknown, opts?: CallOpts, metadata?: Metadata) => unknown;

type Run = (connection: FramedConnection, input: unknown, opts?: CallOpts, metadata?: Metadata) => unknown;

/**
 * `method` over the framed connection, in the same shapes as over HTTP/2 (a promise, or a stream the caller
 * iterates), with the same deadline, cancellation and errors. A call finds the connection open, or opens it;
 * when there is no framed socket it goes `overNetwork`.
 */
export function framedMethod(
  channel: FramedChannel,
  method: MethodDefinition,
  deadlineOf: (opts?: CallOpts) => Date,
  toError: (err: ServiceError) => Error,
  overNetwork: BoundMethod,
): BoundMethod {
  const run = runnerFor(method, (opts, metadata) => ({
    path: method.path,
    deadline: deadlineOf(opts),
    signal: opts?.signal ?? opts?.parent?.signal,
    metadata,
    toError,
  }));
  if (!method.responseStream) {
    return (input, opts, metadata) => {
      const connection = channel.current();
      if (connection) return run(connection, input, opts, metadata);
      return channel.connect().then((opened) => (opened ? run(opened, input, opts, metadata) : overNetwork(input, opts, metadata)));
    };
  }
  return (input, opts, metadata) => {
    const connection = channel.current();
    if (connection) return run(connection, input, opts, metadata);
    return (async function* () {
      const opened = await channel.connect();
      yield* (opened ? run(opened, input, opts, metadata) : overNetwork(input, opts, metadata)) as AsyncIterable<unknown>;
    })();
  };
}

type OptionsOf = (opts?: CallOpts, metadata?: Metadata) => Parameters<FramedConnection["start"]>[0];

function runnerFor(method: MethodDefinition, optionsOf: OptionsOf): Run {
  const { requestSerialize: serialize, responseDeserialize: deserialize } = method;
  if (!method.requestStream) {
    return (connection, request, opts, metadata) => {
      const call = connection.start(optionsOf(opts, metadata));
      call.send(serialize(request));
      call.end();
      return method.responseStream ? responses(call, deserialize) : answer(call, deserialize);
    };
  }
  if (!method.responseStream) {
    return (connection, requests, opts, metadata) => {
      const call = connection.start(optionsOf(opts, metadata));
      return new Promise((resolve, reject) => {
        answer(call, deserialize).then(resolve, reject);
        // The caller's own failure (e.g. a file read error) is the one worth reporting, not CANCELLED.
        pump(requests as AsyncIterable<unknown>, call, serialize).catch((err: unknown) => (reject(err), call.cancel()));
      });
    };
  }
  return (connection, requests, opts, metadata) => {
    const call = connection.start(optionsOf(opts, metadata));
    pump(requests as AsyncIterable<unknown>, call, serialize).catch(() => call.cancel());
    return responses(call, deserialize);
  };
}

/** A unary answer: the one message the server sent before its OK. */
async function answer(call: FramedCall, deserialize: (bytes: Buffer) => unknown): Promise<unknown> {
  let last: Buffer | undefined;
  for await (const bytes of call.responses) last = bytes;
  if (last === undefined) throw call.failure("the server ended the call without an answer");
  return deserialize(last);
}

/** The server's messages as the caller iterates them; a caller that stops reading cancels the call. */
async function* responses(call: FramedCall, deserialize: (bytes: Buffer) => unknown): AsyncIterable<unknown> {
  try {
    for await (const bytes of call.responses) yield deserialize(bytes);
  } finally {
    if (!call.done) call.cancel();
  }
}

async function pump(requests: AsyncIterable<unknown> | Iterable<unknown>, call: FramedCall, serialize: (message: unknown) => Buffer): Promise<void> {
  for await (const request of requests) {
    if (call.done) return;
    await call.stream(serialize(request));
  }
  call.end();
}
