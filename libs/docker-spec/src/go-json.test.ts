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
