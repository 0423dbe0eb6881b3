import { describe, expect, it } from "vitest";
import { parseFirstJsonValue } from "./json-input.js";

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
