import { containerconfig } from "@slipway/proto";
import { describe, expect, it } from "vitest";
import { decodeChunkMessage, encodeChunkMessage, withChunkCodec } from "./chunk-codec.js";

const generated = containerconfig.ContainerConfigServiceService.listContainersJson;
const fast = withChunkCodec(containerconfig.ContainerConfigServiceService, "listContainersJson").listContainersJson;

describe("the chunk message codec", () => {
  it.each([0, 1, 127, 128, 16_383, 16_384, 65_536, 2_097_152])("encodes and decodes %i bytes exactly as ts-proto does", (size) => {
    const chunk = Buffer.alloc(size, 7);
    const bytes = encodeChunkMessage({ chunk });
    expect(bytes.equals(generated.responseSerialize({ chunk }))).toBe(true);
    // Buffer.equals, not toEqual: vitest compares megabytes element by element.
    expect(fast.responseDeserialize(bytes).chunk.equals(generated.responseDeserialize(bytes).chunk)).toBe(true);
    expect(fast.responseSerialize({ chunk }).equals(bytes)).toBe(true);
  });

  it("leaves anything but a lone chunk field to the generated decoder", () => {
    const withUnknownField = Buffer.concat([encodeChunkMessage({ chunk: Buffer.from("abc") }), Buffer.from([0x10, 0x01])]);
    expect(decodeChunkMessage(withUnknownField)).toBeUndefined();
    expect(fast.responseDeserialize(withUnknownField)).toEqual({ chunk: Buffer.from("abc") });
    expect(decodeChunkMessage(Buffer.from([0x0a, 0x05, 0x61]))).toBeUndefined(); // truncated
    expect(decodeChunkMessage(Buffer.from([0x12, 0x00]))).toBeUndefined();
  });
});
