import { describe, expect, it } from "vitest";
import { errorMessage, loadingLayerMessage, streamMessage } from "./json-stream.js";

describe("progress lines, byte for byte as dockerd sent them for golden.tar", () => {
  it("encodes > as \\u003e, ends with CRLF and keys the line by the digest's first 12 hex digits", () => {
    expect(loadingLayerMessage("sha256:f6c3edee5c1aef56a27f04c4dd444615fafaaf7ae80a95d432da11049745710f", 32768, 1996800)).toBe(
      '{"status":"Loading layer","progressDetail":{"current":32768,"total":1996800},' +
        '"progress":"[\\u003e                                                  ]  32.77kB/1.997MB","id":"f6c3edee5c1a"}\r\n',
    );
  });
  it("writes the result and error lines the CLI prints", () => {
    expect(streamMessage("Loaded image: golden:1")).toBe('{"stream":"Loaded image: golden:1\\n"}\r\n');
    expect(Buffer.byteLength(streamMessage("Loaded image: golden:1"))).toBe(39);
    expect(errorMessage("boom <x>")).toBe('{"errorDetail":{"message":"boom \\u003cx\\u003e"},"error":"boom \\u003cx\\u003e"}\r\n');
  });
});
