import type { ServiceDefinition } from "./definitions.js";

/** A response message whose only field is `bytes chunk = 1` (e.g. ListContainersJsonResponse). */
interface ChunkMessage {
  chunk: Buffer;
}

const CHUNK_TAG = 0x0a; // field 1, length-delimited

/**
 * The definition with `method`'s responses encoded in one allocation and one copy, and decoded as a view
 * of the received bytes; the bytes on the wire are the same. The response must be a message whose only
 * field is `bytes chunk = 1`. ts-proto's codec grows a writer and copies each chunk three times into fresh
 * buffers, which for a list streamed in 64 KiB chunks is most of a hop's cost on these VMs.
 */
export function withChunkCodec<S extends ServiceDefinition>(definition: S, method: keyof S & string): S {
  const generated = definition[method]!;
  const decode = (bytes: Buffer): ChunkMessage => decodeChunkMessage(bytes) ?? (generated.responseDeserialize(bytes) as ChunkMessage);
  return { ...definition, [method]: { ...generated, responseSerialize: encodeChunkMessage, responseDeserialize: decode } };
}

export function encodeChunkMessage({ chunk }: ChunkMessage): Buffer {
  if (chunk.length === 0) return Buffer.alloc(0); // proto3 leaves an empty field out
  const header = [CHUNK_TAG];
  let length = chunk.length;
  for (; length > 0x7f; length >>>= 7) header.push((length & 0x7f) | 0x80);
  header.push(length);
  const message = Buffer.allocUnsafe(header.length + chunk.length);
  message.set(header, 0);
  message.set(chunk, header.length);
  return message;
}

/** The chunk as a view of `bytes`, or undefined when they hold anything else (the generated decoder then decides). */
export function decodeChunkMessage(bytes: Buffer): ChunkMessage | undefined {
  if (bytes.length === 0) return { chunk: bytes };
  if (bytes[0] !== CHUNK_TAG) return undefined;
  let length = 0;
  let position = 1;
  for (let shift = 0; position < bytes.length && shift < 35; shift += 7) {
    const byte = bytes[position++]!;
    length += (byte & 0x7f) * 2 ** shift;
    if (byte < 0x80) return position + length === bytes.length ? { chunk: bytes.subarray(position) } : undefined;
  }
  return undefined;
}
