import { describe, expect, it } from "vitest";
import { goJson, goJsonLine, RawJson } from "./go-json.js";
import { parseFirstJsonValue } from "./json-input.js";
import { commandLine, rfc3339Nano } from "./record.js";

describe("goJson renders as Go's encoding/json", () => {
  it.each([
    ["<>&", '"\\u003c\\u003e\\u0026"'],
    ["tab\tnl\ncr\r", '"tab\\tnl\\ncr\\r"'],
    ["\b\f\u0001", '"\\u0008\\u000c\\u0001"'],
    ["\u2028\u2029", '"\\u2028\\u2029"'],
    ['quote" back\\', '"quote\\" back\\\\"'],
    ["héllo ☃", '"héllo ☃"'],
  ])("escapes %j", (input, expected) => expect(goJson(input)).toBe(expected));

  it("keeps key order, Map order (even for integer-like keys), null, and spliced raw JSON", () => {
    expect(goJson({ b: 1, a: [null, true], m: new Map([["10", {}], ["9", {}]]), r: new RawJson('{"x":1}') })).toBe('{"b":1,"a":[null,true],"m":{"10":{},"9":{}},"r":{"x":1}}');
    expect(goJsonLine([])).toBe("[]\n");
  });
});

describe("helpers", () => {
  it("formats Created as RFC3339Nano with trailing zeros trimmed", () => {
    const date = new Date(Date.UTC(2026, 10, 28, 6, 37, 31, 882));
    expect(rfc3339Nano(date, 212933)).toBe("2026-11-28T06:37:31.882212933Z");
    expect(rfc3339Nano(date, 100000)).toBe("2026-11-28T06:37:31.8821Z");
    expect(rfc3339Nano(new Date(Date.UTC(2026, 0, 1)), 0)).toBe("2026-01-01T00:00:00Z");
  });

  it("shows the command as docker ps does", () => {
    expect(commandLine("/bin/sh", ["-c", "cat /srv/app/hello.txt; echo $GREETING"])).toBe("/bin/sh -c 'cat /srv/app/hello.txt; echo $GREETING'");
    expect(commandLine("/bin/bash", [])).toBe("/bin/bash");
  });
});

describe("request bodies read as Go's json.Decoder", () => {
  it.each([
    ["", "EOF"],
    ["  \n", "EOF"],
    ["{bad", "invalid character 'b' looking for beginning of object key string"],
    ['{"a" 1}', "invalid character '1' after object key"],
    ['{"a":1 "b"}', "invalid character '\"' after object key:value pair"],
    ['{"a":[1 2]}', "invalid character '2' after array element"],
    ['{"a":tru}', "invalid character '}' in literal true (expecting 'e')"],
    ['{"a":-x}', "invalid character 'x' in numeric literal"],
    ['{"a":1.}', "invalid character '}' after decimal point in numeric literal"],
    ['{"a":"\\q"}', "invalid character 'q' in string escape code"],
    ['{"a":"\t"}', "invalid character '\\t' in string literal"],
    ["x", "invalid character 'x' looking for beginning of value"],
    ['{"a":', "unexpected EOF"],
    ['{"a":"b', "unexpected EOF"],
  ])("%j → %s", (body, message) => {
    expect(() => parseFirstJsonValue(body)).toThrow(message);
  });

  it("reads only the first value, as the decoder does", () => {
    expect(parseFirstJsonValue('{"a":[1,{"b":"}"}]} trailing {')).toEqual({ a: [1, { b: "}" }] });
  });
});
