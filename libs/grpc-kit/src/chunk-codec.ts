import type { MethodDefinition, ServiceDefinition } from "./definitions.js";

/** The hot message of a byte stream: only its `bytes chunk` field is set. */
interface ChunkMessage {
  chunk: Buffer;
}

/** Which of a method's messages carry the chunks (default: its responses). */
export type ChunkSide = "request" | "response";

/**
 * The definition with `method`'s chunk messages (requests or responses) encoded in one allocation and one
 * copy, and decoded as a view of the received bytes; the bytes on the wire are the same, and any other
 * message (a header, an empty message, unknown fields) goes through the generated codec. ts-proto grows a
 * writer and copies each chunk three times into fresh buffers, which for an archive or a list streamed
 * through a hop would be most of that hop's work.
 */
export function withChunkCodec<S extends ServiceDefinition>(definition: S, method: keyof S & string, side: ChunkSide = "response"): S {
  const generated = definition[method]!;
  const [serializeKey, deserializeKey] = CODEC_KEYS[side];
  const codec = chunkCodec(chunkFieldOf(generated, side));
  const serialize = (message: object): Buffer => (isLoneChunk(message) ? codec.encode(message.chunk) : generated[serializeKey](message));
  const deserialize = (bytes: Buffer): unknown => codec.decode(bytes) ?? generated[deserializeKey](bytes);
  return { ...definition, [method]: { ...generated, [serializeKey]: serialize, [deserializeKey]: deserialize } };
}

const CODEC_KEYS = {
  request: ["requestSerialize", "requestDeserialize"],
  response: ["responseSerialize", "responseDeserialize"],
} as const;

/**
 * The field number of the `chunk` of a method's requests or responses, read off the generated codec: the
 * message with every field at its default but a one-byte chunk encodes as the chunk's tag, length 1, the byte.
 */
export function chunkFieldOf(method: MethodDefinition, side: ChunkSide): number {
  const [serializeKey, deserializeKey] = CODEC_KEYS[side];
  const sample = method[serializeKey]({ ...method[deserializeKey](Buffer.alloc(0)), chunk: Buffer.of(0) });
  const [tag = 0, length] = sample;
  if (sample.length !== 3 || (tag & 7) !== 2 || length !== 1) {
    throw new Error(`${method.path}: its ${side} message has no bytes field "chunk" with a one-byte tag`);
  }
  return tag >> 3;
}

function isLoneChunk(message: object): message is ChunkMessage {
  const { chunk, ...rest } = message as Partial<ChunkMessage>;
  return Buffer.isBuffer(chunk) && chunk.length > 0 && Object.values(rest).every((value) => value === undefined);
}

/** Encoder and view-decoder for a message that holds nothing but `bytes <field>`. */
export function chunkCodec(field: number) {
  const tag = (field << 3) | 2; // length-delimited; one byte for fields 1-15
  if (field < 1 || field > 15) throw new Error(`chunk field ${field}: only fields 1-15 have a one-byte tag`);
  return {
    encode(chunk: Buffer): Buffer {
      const header = [tag];
      let length = chunk.length;
      for (; length > 0x7f; length >>>= 7) header.push((length & 0x7f) | 0x80);
      header.push(length);
      const message = Buffer.allocUnsafe(header.length + chunk.length);
      message.set(header, 0);
      message.set(chunk, header.length);
      return message;
    },
    /** The chunk as a view of `bytes`, or undefined when they hold anything else (the generated decoder then decides). */
    decode(bytes: Buffer): ChunkMessage | undefined {
      if (bytes[0] !== tag) return undefined;
      let length = 0;
      let position = 1;
      for (let shift = 0; position < bytes.length && shift < 35; shift += 7) {
        const byte = bytes[position++]!;
        length += (byte & 0x7f) * 2 ** shift;
        if (byte < 0x80) return position + length === bytes.length ? { chunk: bytes.subarray(position) } : undefined;
      }
      return undefined;
    },
  };
}
