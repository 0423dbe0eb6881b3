/*
 * The framed transport's wire format. A frame is a u32 length (of everything after it), a u8 type, a u32 call
 * ID (chosen by the client, unique per connection), then the type's body:
 *
 *   Call    client → server: f64 deadline (ms since the epoch), u16 path length, the method path, then the call's
 *           metadata as a JSON object of string values (possibly empty). The call's messages follow.
 *   Message either way: one serialized protobuf message (the same bytes gRPC would carry).
 *   End     client → server: no more request messages (a unary call sends Call, Message and End at once).
 *   Cancel  client → server: the caller gave up (cancelled, or its deadline passed).
 *   Status  server → client: u32 gRPC status code, then the details in UTF-8. Ends the call.
 *   Window  either way: u32, how many more messages of the call's stream the sender of the frame will take
 *           (message-window.ts). Each side may send MESSAGE_WINDOW messages (and BYTE_WINDOW bytes) of a stream
 *           not yet granted back; a grant of n returns the n oldest.
 */

export const FRAME_TYPE = { call: 1, message: 2, end: 3, cancel: 4, status: 5, window: 6 } as const;
export type FrameType = (typeof FRAME_TYPE)[keyof typeof FRAME_TYPE];

/** The largest frame either side accepts: a message as large as a gRPC server here receives, and its header. */
export const MAX_FRAME_BYTES = 64 * 1024 * 1024 + 64 * 1024;

const LENGTH_BYTES = 4;
const HEADER_BYTES = LENGTH_BYTES + 1 + 4;

export interface Frame {
  readonly type: FrameType;
  readonly callId: number;
  readonly body: Buffer;
}

export interface CallHeader {
  readonly path: string;
  readonly deadline: Date;
  readonly metadata: Readonly<Record<string, string>>;
}

export class FrameError extends Error {}

/** A frame as bytes: its header, then the body (kept as a separate buffer, so that a message is not copied). */
export function encodeFrame(type: FrameType, callId: number, body: Buffer = EMPTY): [Buffer, Buffer] {
  const header = Buffer.allocUnsafe(HEADER_BYTES);
  header.writeUInt32LE(1 + 4 + body.length, 0);
  header.writeUInt8(type, 4);
  header.writeUInt32LE(callId, 5);
  return [header, body];
}

export function encodeCallHeader({ path, deadline, metadata }: CallHeader): Buffer {
  const pathBytes = Buffer.from(path, "utf8");
  const metadataBytes = Object.keys(metadata).length === 0 ? EMPTY : Buffer.from(JSON.stringify(metadata), "utf8");
  const body = Buffer.allocUnsafe(8 + 2 + pathBytes.length + metadataBytes.length);
  body.writeDoubleLE(deadline.getTime(), 0);
  body.writeUInt16LE(pathBytes.length, 8);
  pathBytes.copy(body, 10);
  metadataBytes.copy(body, 10 + pathBytes.length);
  return body;
}

export function decodeCallHeader(body: Buffer): CallHeader {
  if (body.length < 10) throw new FrameError("a call frame too short for its header");
  const pathLength = body.readUInt16LE(8);
  if (body.length < 10 + pathLength) throw new FrameError("a call frame too short for its method path");
  const metadataBytes = body.subarray(10 + pathLength);
  return {
    deadline: new Date(body.readDoubleLE(0)),
    path: body.toString("utf8", 10, 10 + pathLength),
    metadata: metadataBytes.length === 0 ? {} : parseMetadata(metadataBytes),
  };
}

function parseMetadata(bytes: Buffer): Record<string, string> {
  let parsed: unknown;
  try {
    parsed = JSON.parse(bytes.toString("utf8"));
  } catch {
    throw new FrameError("a call frame's metadata is not JSON");
  }
  const valid =
    typeof parsed === "object" && parsed !== null && !Array.isArray(parsed) && Object.values(parsed).every((value) => typeof value === "string");
  if (!valid) throw new FrameError("a call frame's metadata is not an object of strings");
  return parsed as Record<string, string>;
}

export function encodeStatus(code: number, details: string): Buffer {
  const detailBytes = Buffer.from(details, "utf8");
  const body = Buffer.allocUnsafe(4 + detailBytes.length);
  body.writeUInt32LE(code, 0);
  detailBytes.copy(body, 4);
  return body;
}

export function encodeCount(count: number): Buffer {
  const body = Buffer.allocUnsafe(4);
  body.writeUInt32LE(count, 0);
  return body;
}

export function decodeCount(body: Buffer): number {
  if (body.length !== 4) throw new FrameError("a window frame whose body is not one count");
  return body.readUInt32LE(0);
}

export function decodeStatus(body: Buffer): { code: number; details: string } {
  if (body.length < 4) throw new FrameError("a status frame too short for its code");
  return { code: body.readUInt32LE(0), details: body.toString("utf8", 4) };
}

/** Cuts a byte stream into frames, whatever its chunking; a frame's body is a view of the received bytes. */
export class FrameReader {
  private readonly chunks: Buffer[] = [];
  private buffered = 0;

  /** Takes the next chunk and returns the frames it completed; throws FrameError on a malformed or oversized frame. */
  push(chunk: Buffer): Frame[] {
    this.chunks.push(chunk);
    this.buffered += chunk.length;
    const frames: Frame[] = [];
    while (this.buffered >= LENGTH_BYTES) {
      const length = this.peekLength();
      if (length < 5 || LENGTH_BYTES + length > MAX_FRAME_BYTES) throw new FrameError(`a frame of ${length} bytes (the limit is ${MAX_FRAME_BYTES})`);
      if (this.buffered < LENGTH_BYTES + length) break;
      frames.push(toFrame(this.take(LENGTH_BYTES + length)));
    }
    return frames;
  }

  private peekLength(): number {
    if (this.chunks[0]!.length < LENGTH_BYTES) this.coalesce(LENGTH_BYTES);
    return this.chunks[0]!.readUInt32LE(0);
  }

  /** The next `bytes` bytes, as a view when one chunk holds them. */
  private take(bytes: number): Buffer {
    if (this.chunks[0]!.length < bytes) this.coalesce(bytes);
    const first = this.chunks[0]!;
    const taken = first.subarray(0, bytes);
    if (first.length === bytes) this.chunks.shift();
    else this.chunks[0] = first.subarray(bytes);
    this.buffered -= bytes;
    return taken;
  }

  /** Joins the leading chunks until the first holds at least `bytes` bytes. */
  private coalesce(bytes: number): void {
    let count = 0;
    for (let joined = 0; joined < bytes; count++) joined += this.chunks[count]!.length;
    this.chunks.splice(0, count, Buffer.concat(this.chunks.slice(0, count)));
  }
}

function toFrame(bytes: Buffer): Frame {
  const type = bytes.readUInt8(LENGTH_BYTES);
  if (type < FRAME_TYPE.call || type > FRAME_TYPE.window) throw new FrameError(`a frame of unknown type ${type}`);
  return { type: type as FrameType, callId: bytes.readUInt32LE(LENGTH_BYTES + 1), body: bytes.subarray(HEADER_BYTES) };
}

const EMPTY = Buffer.alloc(0);
