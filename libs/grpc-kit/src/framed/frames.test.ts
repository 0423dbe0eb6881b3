import { describe, expect, it } from "vitest";
import {
  decodeCallHeader,
  decodeStatus,
  encodeCallHeader,
  encodeFrame,
  encodeStatus,
  FRAME_TYPE,
  FrameError,
  FrameReader,
  MAX_FRAME_BYTES,
} from "./frames.js";

const bytesOf = (type: Parameters<typeof encodeFrame>[0], callId: number, body?: Buffer) => Buffer.concat(encodeFrame(type, callId, body));

describe("frames", () => {
  it("read back whatever the chunking: whole, byte by byte, several in one chunk", () => {
    const header = encodeCallHeader({ path: "/s.S/M", deadline: new Date(1_700_000_000_123.5), metadata: { traceparent: "00-ab-cd-01" } });
    const stream = Buffer.concat([
      bytesOf(FRAME_TYPE.call, 7, header),
      bytesOf(FRAME_TYPE.message, 7, Buffer.from("request")),
      bytesOf(FRAME_TYPE.end, 7),
      bytesOf(FRAME_TYPE.status, 4_000_000_000, encodeStatus(5, "no such layer: é")),
    ]);
    const whole = new FrameReader().push(stream);
    const reader = new FrameReader();
    const byteByByte = [...stream].flatMap((byte) => reader.push(Buffer.of(byte)));
    for (const frames of [whole, byteByByte]) {
      expect(frames.map((f) => [f.type, f.callId])).toEqual([
        [FRAME_TYPE.call, 7],
        [FRAME_TYPE.message, 7],
        [FRAME_TYPE.end, 7],
        [FRAME_TYPE.status, 4_000_000_000],
      ]);
      expect(decodeCallHeader(frames[0]!.body)).toEqual({
        path: "/s.S/M",
        deadline: new Date(1_700_000_000_123.5),
        metadata: { traceparent: "00-ab-cd-01" },
      });
      expect(frames[1]!.body.toString()).toBe("request");
      expect(frames[2]!.body.length).toBe(0);
      expect(decodeStatus(frames[3]!.body)).toEqual({ code: 5, details: "no such layer: é" });
    }
  });

  it("keep a call without metadata short: no JSON at all", () => {
    const body = encodeCallHeader({ path: "/a/b", deadline: new Date(0), metadata: {} });
    expect(body.length).toBe(8 + 2 + 4);
    expect(decodeCallHeader(body).metadata).toEqual({});
  });

  it("refuse a frame over the size limit before it arrives, a frame too short for its header, and unknown types", () => {
    const huge = Buffer.alloc(4);
    huge.writeUInt32LE(MAX_FRAME_BYTES);
    expect(() => new FrameReader().push(huge)).toThrow(FrameError);
    const short = Buffer.alloc(4);
    short.writeUInt32LE(3);
    expect(() => new FrameReader().push(short)).toThrow(FrameError);
    const unknown = bytesOf(FRAME_TYPE.end, 1);
    unknown.writeUInt8(9, 4);
    expect(() => new FrameReader().push(unknown)).toThrow(/unknown type 9/);
  });

  it("refuse call headers that are cut short or whose metadata is not an object of strings", () => {
    const body = encodeCallHeader({ path: "/a/b", deadline: new Date(0), metadata: { a: "1" } });
    expect(() => decodeCallHeader(body.subarray(0, 9))).toThrow(FrameError);
    expect(() => decodeCallHeader(body.subarray(0, 12))).toThrow(/method path/);
    const withMetadata = (json: string) => Buffer.concat([body.subarray(0, 14), Buffer.from(json)]);
    expect(() => decodeCallHeader(withMetadata("{"))).toThrow(/not JSON/);
    expect(() => decodeCallHeader(withMetadata('{"a":1}'))).toThrow(/object of strings/);
    expect(() => decodeCallHeader(withMetadata('["a"]'))).toThrow(/object of strings/);
  });
});
