import { connect, type Socket } from "node:net";
import { Metadata, status, type ServiceError } from "@grpc/grpc-js";
import { FrameWriter } from "./frame-writer.js";
import { decodeCount, decodeStatus, encodeCallHeader, encodeCount, FRAME_TYPE, FrameError, FrameReader, type Frame } from "./frames.js";
import { MessageQueue } from "./message-queue.js";
import { grantAsTaken, SendWindow } from "./message-window.js";

/** How long a client uses HTTP/2 after it found no framed socket, before it looks again. */
const ABSENT_RECHECK_MS = 1_000;

/**
 * A client's framed connection to one server (framed-server.ts), opened on first use and again after it closed.
 * When nothing serves framed calls at the path (a server of another build, or one still starting), the client
 * makes its calls over HTTP/2 instead, and looks again a second later.
 */
export class FramedChannel {
  private open: FramedConnection | undefined;
  private opening: Promise<FramedConnection | undefined> | undefined;
  private absentUntil = 0;
  private closed = false;

  constructor(private readonly path: string) {}

  /** The open connection, if there is one. */
  current(): FramedConnection | undefined {
    return this.open;
  }

  /** Opens the connection; undefined when there is nothing to connect to (use HTTP/2). */
  connect(): Promise<FramedConnection | undefined> {
    if (this.open) return Promise.resolve(this.open);
    if (this.closed || Date.now() < this.absentUntil) return Promise.resolve(undefined);
    return (this.opening ??= new Promise((resolve) => {
      const socket = connect(this.path);
      const failed = () => {
        this.opening = undefined;
        this.absentUntil = Date.now() + ABSENT_RECHECK_MS;
        resolve(undefined);
      };
      socket.once("error", failed);
      socket.once("connect", () => {
        socket.off("error", failed);
        this.opening = undefined;
        const connection = new FramedConnection(socket, () => this.open === connection && (this.open = undefined));
        this.open = this.closed ? undefined : connection;
        if (this.closed) socket.destroy();
        resolve(this.open);
      });
    }));
  }

  close(): void {
    this.closed = true;
    this.open?.destroy();
  }
}

/** What a call needs to start: the method, its deadline, the caller's cancellation and metadata, how to word errors. */
export interface FramedCallOptions {
  readonly path: string;
  readonly deadline: Date;
  readonly signal?: AbortSignal;
  readonly metadata?: Metadata;
  readonly toError: (err: ServiceError) => Error;
}

/** One connection: call IDs, the frames each call sends, the server's frames to the call they belong to. */
export class FramedConnection {
  private readonly reader = new FrameReader();
  readonly writer: FrameWriter;
  private readonly calls = new Map<number, FramedCall>();
  private nextId = 1;

  constructor(
    private readonly socket: Socket,
    onClose: () => void,
  ) {
    this.writer = new FrameWriter(socket);
    socket.on("data", (chunk: Buffer) => this.receive(chunk));
    socket.on("error", () => undefined); // "close" follows
    socket.once("close", () => {
      onClose();
      this.calls.forEach((call) => call.broken());
      this.calls.clear();
    });
  }

  /** Starts a call: its Call frame goes out now; the caller sends its messages and End. */
  start(options: FramedCallOptions): FramedCall {
    const id = this.nextId;
    this.nextId = this.nextId === 0xffff_ffff ? 1 : this.nextId + 1;
    const call = new FramedCall(id, this, options);
    this.calls.set(id, call);
    const metadata = metadataValues(options.metadata);
    this.writer.send(FRAME_TYPE.call, id, encodeCallHeader({ path: options.path, deadline: options.deadline, metadata }));
    return call;
  }

  forget(id: number): void {
    this.calls.delete(id);
  }

  destroy(): void {
    this.socket.destroy();
  }

  /** A frame the client cannot take closes the connection: its calls fail as on any broken connection. */
  private receive(chunk: Buffer): void {
    try {
      for (const frame of this.reader.push(chunk)) this.dispatch(frame);
    } catch {
      this.socket.destroy();
    }
  }

  private dispatch({ type, callId, body }: Frame): void {
    const call = this.calls.get(callId);
    if (type === FRAME_TYPE.message) call?.message(body);
    else if (type === FRAME_TYPE.status) call?.status(decodeStatus(body));
    else if (type === FRAME_TYPE.window) call?.grant(decodeCount(body));
    else throw new FrameError(`a frame of type ${type} from a server`);
  }
}

/**
 * The client's side of one call: the messages it receives (a queue the caller iterates), ended by the
 * server's status, by the caller's deadline or cancellation (a Cancel goes to the server), or by a broken
 * connection (UNAVAILABLE, as grpc-js reports a dropped connection).
 */
export class FramedCall {
  readonly responses = new MessageQueue<Buffer>(grantAsTaken((count) => this.connection.writer.send(FRAME_TYPE.window, this.id, encodeCount(count))));
  private readonly requestWindow = new SendWindow();
  private readonly timer: NodeJS.Timeout;
  private readonly onAbort = () => this.giveUp(status.CANCELLED, "Cancelled on client");

  constructor(
    private readonly id: number,
    private readonly connection: FramedConnection,
    private readonly options: FramedCallOptions,
  ) {
    this.timer = setTimeout(() => this.giveUp(status.DEADLINE_EXCEEDED, "Deadline exceeded"), options.deadline.getTime() - Date.now());
    options.signal?.addEventListener("abort", this.onAbort, { once: true });
    if (options.signal?.aborted) queueMicrotask(this.onAbort);
  }

  get done(): boolean {
    return this.responses.isEnded;
  }

  /** Sends a request message of a unary call (no window: it is the only one). */
  send(bytes: Buffer): void {
    if (!this.done) this.connection.writer.send(FRAME_TYPE.message, this.id, bytes);
  }

  /** Sends one message of a request stream once the server's window and the connection have room for it. */
  async stream(bytes: Buffer): Promise<void> {
    await this.requestWindow.next(bytes.length);
    if (!this.done && !this.connection.writer.send(FRAME_TYPE.message, this.id, bytes)) await this.connection.writer.drained();
  }

  end(): void {
    if (!this.done) this.connection.writer.send(FRAME_TYPE.end, this.id);
  }

  /** Gives up on the call (the caller stopped reading, or its request stream failed); the server is told. */
  cancel(): void {
    this.giveUp(status.CANCELLED, "Cancelled on client");
  }

  message(bytes: Buffer): void {
    this.responses.push(bytes);
  }

  /** The server's handler took more of the request stream. */
  grant(count: number): void {
    this.requestWindow.grant(count);
  }

  status({ code, details }: { code: number; details: string }): void {
    this.settle();
    if (code === status.OK) this.responses.end();
    else this.responses.fail(this.error(code, details));
  }

  broken(): void {
    this.settle();
    this.responses.fail(this.error(status.UNAVAILABLE, "Connection dropped"));
  }

  /** The error of a call the server ended without what it owed (INTERNAL, as grpc-js reports a protocol violation). */
  failure(details: string): Error {
    return this.error(status.INTERNAL, details);
  }

  private giveUp(code: status, details: string): void {
    if (this.done) return;
    this.connection.writer.send(FRAME_TYPE.cancel, this.id);
    this.settle();
    this.responses.fail(this.error(code, details));
  }

  private settle(): void {
    this.requestWindow.close();
    clearTimeout(this.timer);
    this.options.signal?.removeEventListener("abort", this.onAbort);
    this.connection.forget(this.id);
  }

  private error(code: status, details: string): Error {
    const err = Object.assign(new Error(`${code} ${status[code]}: ${details}`), { code, details, metadata: new Metadata() });
    return this.options.toError(err);
  }
}

/** The text values of the caller's metadata (binary values are not carried). */
function metadataValues(metadata: Metadata | undefined): Record<string, string> {
  if (!metadata) return {};
  const values: Record<string, string> = {};
  for (const [key, value] of Object.entries(metadata.getMap())) if (typeof value === "string") values[key] = value;
  return values;
}
