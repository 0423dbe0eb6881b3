import { describe, expect, it } from "vitest";
import { goJson, goJsonLine, goJsonString, RawJson } from "./go-json.js";

describe("goJson renders as Go's encoding/json", () => {
  it.each([
    ["<>&", '"\\u003c\\u003e\\u0026"'],
    ["tab\tnl\ncr\r", '"tab\\tnl\\ncr\\r"'],
    ["\b\f\u0001\u001f", '"\\u0008\\u000c\\u0001\\u001f"'],
    ["\u2028\u2029", '"\\u2028\\u2029"'],
    ['quote" back\\', '"quote\\" back\\\\"'],
    ["héllo ☃ \u{1f600} \u007f", '"héllo ☃ \u{1f600} \u007f"'],
    ['a<b>&"\\\t\n\r\u0001\u2028é', '"a\\u003cb\\u003e\\u0026\\"\\\\\\t\\n\\r\\u0001\\u2028é"'],
  ])("escapes %j", (input, expected) => {
    expect(goJsonString(input)).toBe(expected);
    expect(goJson(input)).toBe(expected);
  });

  it("keeps key order, Map order (even for integer-like keys), null, and spliced raw JSON", () => {
    expect(
      goJson({
        b: 1,
        a: [null, true],
        m: new Map([
          ["10", {}],
          ["9", {}],
        ]),
        r: new RawJson('{"x":1}'),
      }),
    ).toBe('{"b":1,"a":[null,true],"m":{"10":{},"9":{}},"r":{"x":1}}');
    expect(goJsonLine([])).toBe("[]\n");
  });

  it("escapes keys as strings, leaves out undefined members and writes bigints as integers", () => {
    expect(goJson({ "<k>": 1, gone: undefined, big: 10n })).toBe('{"\\u003ck\\u003e":1,"big":10}');
  });
});

/** Go's encoding/json (HTML escaping on) for one UTF-16 code unit, as the rules in go-json.ts state them. */
function goEscaped(code: number): string {
  const short: Record<number, string> = { 0x22: '\\"', 0x5c: "\\\\", 0x0a: "\\n", 0x0d: "\\r", 0x09: "\\t" };
  if (short[code]) return short[code];
  if (code < 0x20 || code === 0x3c || code === 0x3e || code === 0x26 || code === 0x2028 || code === 0x2029)
    return `\\u${code.toString(16).padStart(4, "0")}`;
  return String.fromCharCode(code);
}

describe("goJsonString, with or without anything to escape", () => {
  it("writes every UTF-16 code unit as Go does, alone and between plain characters", () => {
    const wrong: string[] = [];
    for (let code = 0; code <= 0xffff; code++) {
      const char = String.fromCharCode(code);
      if (goJsonString(char) !== `"${goEscaped(code)}"` || goJsonString(`a${char}b`) !== `"a${goEscaped(code)}b"`) wrong.push(code.toString(16));
    }
    expect(wrong).toEqual([]);
  });

  it.each([
    ["", '""'],
    ["plain ascii: /usr/bin:/bin; echo $HOME", '"plain ascii: /usr/bin:/bin; echo $HOME"'],
    [`${"x".repeat(5000)}<`, `"${"x".repeat(5000)}\\u003c"`],
    [`&${"x".repeat(5000)}`, `"\\u0026${"x".repeat(5000)}"`],
    ["line\nbreak", '"line\\nbreak"'],
    ["a\u2028b\u2029", '"a\\u2028b\\u2029"'],
    ["\u0000\u001f\u0020", '"\\u0000\\u001f "'],
    ["ünïcödé ☃ \u{1f600} \ufffd", '"ünïcödé ☃ \u{1f600} \ufffd"'],
  ])("writes %j as Go does", (input, expected) => {
    expect(goJsonString(input)).toBe(expected);
  });

  it("writes a lone surrogate as is (a JS string has no invalid bytes for Go's \\ufffd; JSON.stringify would escape it)", () => {
    expect(goJsonString("a\ud800b\udfff")).toBe('"a\ud800b\udfff"');
    expect(goJsonString("a\ud800b\udfff")).not.toBe(JSON.stringify("a\ud800b\udfff"));
  });
});
