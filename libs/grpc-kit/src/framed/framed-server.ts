import { createServer, type Server, type Socket } from "node:net";
import { Metadata, status } from "@grpc/grpc-js";
import type { MethodDefinition } from "../definitions.js";
import { isServiceError, toStatus } from "../error-mapping.js";
import { InProcessRegistry } from "../in-process.js";
import type { Logger } from "../logger.js";
import type { ServedMethod } from "../server-handlers.js";
import { claimSocketPath, secureSocket, type SocketGroup } from "../security/local-socket.js";
import { FrameWriter } from "./frame-writer.js";
import {
  decodeCallHeader,
  decodeCount,
  encodeCount,
  encodeStatus,
  FRAME_TYPE,
  FrameError,
  FrameReader,
  type CallHeader,
  type Frame,
} from "./frames.js";
import { MessageQueue } from "./message-queue.js";
import { grantAsTaken, SendWindow } from "./message-window.js";

export interface FramedServerOptions {
  /** The socket's path: framedSocketPath of the gRPC server's. */
  readonly path: string;
  readonly app: string;
  /** Everything the gRPC server serves. */
  readonly methods: readonly ServedMethod[];
  readonly group: SocketGroup;
  readonly logger: Logger;
}

export interface FramedServer {
  /** Refuses new calls, waits up to `timeoutMs` for those in flight, then closes every connection (what was sent still arrives). */
  close(timeoutMs: number): Promise<void>;
}

/**
 * Serves a gRPC server's methods on a second unix socket beside its own, in the framed format (frames.ts), for
 * Slipway's own apps on the same host. Each call runs as an in-process call does (in-process.ts: both codecs,
 * the deadline, cancellation, the middleware with the call log), so a handler cannot tell the transports apart;
 * only the bytes between the two processes differ from HTTP/2. The socket gets the gRPC socket's owner and mode.
 */
export async function serveFramed(options: FramedServerOptions): Promise<FramedServer> {
  await claimSocketPath(options.path, options.app);
  const registry = new InProcessRegistry();
  const unhost = registry.host(HOSTED, options.methods);
  const methods = new Map(options.methods.map((served) => [served.method.path, asBytes(served.method)]));
  const connections = new Set<Socket>();
  const state = { stopping: false };
  const server = createServer((socket) => {
    connections.add(socket);
    socket.once("close", () => connections.delete(socket));
    new ServedConnection(socket, { app: options.app, logger: options.logger, registry, methods, state });
  });
  await listen(server, options.path);
  secureSocket(options.path, options.group);
  return {
    close: async (timeoutMs) => {
      state.stopping = true;
      server.close();
      await Promise.race([unhost(), new Promise((resolve) => setTimeout(resolve, timeoutMs).unref())]);
      connections.forEach((socket) => socket.end());
    },
  };
}

/** Where a gRPC server on the unix socket `grpcSocketPath` serves framed calls. */
export function framedSocketPath(grpcSocketPath: string): string {
  return `${grpcSocketPath.replace(/\.sock$/, "")}.framed.sock`;
}

const HOSTED = "framed";

function listen(server: Server, path: string): Promise<void> {
  return new Promise((resolve, reject) => {
    server.once("error", (err) => reject(new Error(`cannot listen on unix:${path}: ${err.message}`)));
    server.listen(path, () => resolve());
  });
}

/** A method's definition with bytes for messages on the client's side: the framed server's calls carry them as received. */
function asBytes(method: MethodDefinition): MethodDefinition<Buffer, Buffer> {
  const same = (bytes: Buffer) => bytes;
  return {
    path: method.path,
    requestStream: method.requestStream,
    responseStream: method.responseStream,
    requestSerialize: same,
    requestDeserialize: same,
    responseSerialize: same,
    responseDeserialize: same,
  };
}

interface ConnectionContext {
  readonly app: string;
  readonly logger: Logger;
  readonly registry: InProcessRegistry;
  readonly methods: ReadonlyMap<string, MethodDefinition<Buffer, Buffer>>;
  readonly state: { readonly stopping: boolean };
}

/** One client's connection: its frames in, each call's frames out; a malformed frame closes it. */
class ServedConnection {
  private readonly reader = new FrameReader();
  private readonly writer: FrameWriter;
  private readonly calls = new Map<number, ServedCall>();

  constructor(
    private readonly socket: Socket,
    private readonly context: ConnectionContext,
  ) {
    this.writer = new FrameWriter(socket);
    socket.on("data", (chunk: Buffer) => this.receive(chunk));
    socket.on("error", () => undefined); // "close" follows, and cuts the calls
    socket.once("close", () => {
      this.calls.forEach((call) => call.cut());
      this.calls.clear();
    });
  }

  /** A frame the server cannot take (malformed, or metadata grpc-js refuses) closes the connection, and cuts its calls. */
  private receive(chunk: Buffer): void {
    try {
      for (const frame of this.reader.push(chunk)) this.dispatch(frame);
    } catch (err) {
      const what = err instanceof FrameError ? err.message : `a frame it could not take (${(err as Error).message})`;
      this.context.logger.warn(`${this.context.app}: closing a framed connection that sent ${what}`);
      this.socket.destroy();
    }
  }

  private dispatch({ type, callId, body }: Frame): void {
    if (type === FRAME_TYPE.call) return this.start(callId, decodeCallHeader(body));
    const call = this.calls.get(callId);
    if (type === FRAME_TYPE.message) call?.message(body);
    else if (type === FRAME_TYPE.end) call?.end();
    else if (type === FRAME_TYPE.cancel) call?.cut();
    else if (type === FRAME_TYPE.window) call?.grant(decodeCount(body));
    else throw new FrameError(`a frame of type ${type} from a client`);
  }

  private start(callId: number, header: CallHeader): void {
    if (this.calls.has(callId)) throw new FrameError(`a second call with ID ${callId}`);
    const method = this.context.methods.get(header.path);
    const run = this.context.registry.call(HOSTED, header.path);
    if (!method || !run) return this.refuse(callId, status.UNIMPLEMENTED, `The server does not implement the method ${header.path}`);
    if (this.context.state.stopping) return this.refuse(callId, status.UNAVAILABLE, `${this.context.app} is stopping`);
    const forget = () => this.calls.delete(callId);
    this.calls.set(callId, new ServedCall(callId, header, method, run, this.writer, forget));
  }

  private refuse(callId: number, code: status, details: string): void {
    this.writer.send(FRAME_TYPE.status, callId, encodeStatus(code, details));
  }
}

type LocalRun = NonNullable<ReturnType<InProcessRegistry["call"]>>;

/** One call on a framed connection: its request messages into the in-process call, its answer back as frames. */
class ServedCall {
  private readonly cancel = new AbortController();
  private readonly requests: MessageQueue<Buffer> | undefined;
  private readonly responseWindow = new SendWindow();
  private started = false;

  constructor(
    private readonly id: number,
    private readonly header: CallHeader,
    private readonly method: MethodDefinition<Buffer, Buffer>,
    private readonly run: LocalRun,
    private readonly writer: FrameWriter,
    private readonly forget: () => void,
  ) {
    if (method.requestStream) {
      this.requests = new MessageQueue(grantAsTaken((count) => this.writer.send(FRAME_TYPE.window, id, encodeCount(count))));
      this.start(this.requests);
    }
  }

  message(bytes: Buffer): void {
    if (this.requests) this.requests.push(bytes);
    else if (!this.started) this.start(bytes);
  }

  end(): void {
    this.requests?.end();
    if (!this.started) this.finish(status.INTERNAL, "the client ended a unary call without sending its request");
  }

  grant(count: number): void {
    this.responseWindow.grant(count);
  }

  /** The caller went away (Cancel, or its connection closed): the handler is cancelled, and nothing more is sent. */
  cut(): void {
    this.cancel.abort();
    this.requests?.fail(new Error("the caller cancelled the call"));
    this.responseWindow.close();
    this.forget();
  }

  private start(input: Buffer | AsyncIterable<Buffer>): void {
    this.started = true;
    const answer = this.run(input, {
      method: this.method,
      deadline: this.header.deadline,
      parentSignal: this.cancel.signal,
      toError: (err) => err,
      metadata: metadataOf(this.header.metadata),
      peer: "unix-socket",
    });
    if (this.method.responseStream) void this.stream(answer as AsyncIterable<Buffer>);
    else
      (answer as Promise<Buffer>).then(
        (bytes) => this.answer(bytes),
        (err: unknown) => this.fail(err),
      );
  }

  private answer(bytes: Buffer): void {
    if (!this.cancel.signal.aborted) this.writer.send(FRAME_TYPE.message, this.id, bytes);
    this.finish(status.OK, "OK");
  }

  private async stream(responses: AsyncIterable<Buffer>): Promise<void> {
    try {
      for await (const bytes of responses) {
        await this.responseWindow.next(bytes.length);
        if (this.cancel.signal.aborted) return;
        if (!this.writer.send(FRAME_TYPE.message, this.id, bytes)) await this.writer.drained();
      }
      this.finish(status.OK, "OK");
    } catch (err) {
      this.fail(err);
    }
  }

  private fail(err: unknown): void {
    const { code, details } = isServiceError(err) ? err : toStatus(err);
    this.finish(code, details);
  }

  private finish(code: status, details: string): void {
    if (this.cancel.signal.aborted) return;
    this.writer.send(FRAME_TYPE.status, this.id, encodeStatus(code, details));
    this.forget();
  }
}

function metadataOf(values: Readonly<Record<string, string>>): Metadata | undefined {
  const entries = Object.entries(values);
  if (entries.length === 0) return undefined;
  const metadata = new Metadata();
  for (const [key, value] of entries) metadata.set(key, value);
  return metadata;
}
