import { containerconfig, layerstore } from "@slipway/proto";
import { describe, expect, it } from "vitest";
import { chunkCodec, chunkFieldOf, withChunkCodec } from "./chunk-codec.js";

const list = containerconfig.ContainerConfigServiceService.listContainersJson;
const fastList = withChunkCodec(containerconfig.ContainerConfigServiceService, "listContainersJson").listContainersJson;
const register = layerstore.LayerStoreServiceService.registerLayer;
const fastRegister = withChunkCodec(layerstore.LayerStoreServiceService, "registerLayer", "request").registerLayer;

describe("the chunk message codec", () => {
  it.each([1, 127, 128, 16_383, 16_384, 65_536, 2_097_152])("encodes and decodes %i bytes exactly as ts-proto does", (size) => {
    const chunk = Buffer.alloc(size, 7);
    const bytes = list.responseSerialize({ chunk });
    expect(fastList.responseSerialize({ chunk }).equals(bytes)).toBe(true);
    // Buffer.equals, not toEqual: vitest compares megabytes element by element.
    expect(fastList.responseDeserialize(bytes).chunk.equals(chunk)).toBe(true);
    expect(chunkCodec(1).decode(bytes)!.chunk.buffer).toBe(bytes.buffer); // a view, not a copy
  });

  it("encodes a chunk in another field (a oneof member) as ts-proto does, and leaves the other members to it", () => {
    const chunk = Buffer.from("tar bytes");
    expect(fastRegister.requestSerialize({ chunk }).equals(register.requestSerialize({ chunk }))).toBe(true);
    expect(fastRegister.requestDeserialize(register.requestSerialize({ chunk })).chunk!.equals(chunk)).toBe(true);
    const header = { header: { parentChainId: "", expectedDiffId: "", holder: "h", placementFollows: true } };
    expect(fastRegister.requestSerialize(header).equals(register.requestSerialize(header))).toBe(true);
    expect(fastRegister.requestDeserialize(register.requestSerialize(header))).toEqual(
      register.requestDeserialize(register.requestSerialize(header)),
    );
  });

  it("leaves an empty chunk, unknown fields and truncated bytes to the generated codec", () => {
    const empty = { chunk: Buffer.alloc(0) };
    expect(fastList.responseSerialize(empty).equals(list.responseSerialize(empty))).toBe(true);
    const withUnknownField = Buffer.concat([list.responseSerialize({ chunk: Buffer.from("abc") }), Buffer.from([0x10, 0x01])]);
    expect(chunkCodec(1).decode(withUnknownField)).toBeUndefined();
    expect(fastList.responseDeserialize(withUnknownField)).toEqual({ chunk: Buffer.from("abc") });
    expect(chunkCodec(1).decode(Buffer.from([0x0a, 0x05, 0x61]))).toBeUndefined(); // truncated
    expect(chunkCodec(1).decode(Buffer.from([0x12, 0x00]))).toBeUndefined();
    expect(() => chunkCodec(16)).toThrow(/one-byte tag/);
  });
});

describe("the chunk's field number", () => {
  it("is read off the generated codec", () => {
    expect(chunkFieldOf(list, "response")).toBe(1);
    expect(chunkFieldOf(register, "request")).toBe(2);
  });

  it("is refused for a message without a bytes field named chunk", () => {
    expect(() => chunkFieldOf(register, "response")).toThrow(
      '/slipway.layerstore.v1.LayerStoreService/RegisterLayer: its response message has no bytes field "chunk"',
    );
  });
});
