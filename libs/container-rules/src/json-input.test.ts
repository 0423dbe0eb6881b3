import { describe, expect, it } from "vitest";
import { GoNumber, parseFirstJsonValue } from "./json-input.js";

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

  it("stops at Go's nesting limit of 10,000, however deep the body goes, and reads a container that deep as an empty one", () => {
    const nested = (depth: number) => `${"[".repeat(depth)}${"]".repeat(depth)}`;
    expect(() => parseFirstJsonValue(`{"a":${"[".repeat(100_000)}`)).toThrow("invalid character '[' exceeded max depth");
    expect(() => parseFirstJsonValue(`[${nested(10_000)}]`)).toThrow("invalid character '[' exceeded max depth");
    let value = parseFirstJsonValue(`{"a":${'{"b":'.repeat(9_999)}1${"}".repeat(10_000)}`);
    for (let depth = 1; typeof value === "object" && value !== null && Object.keys(value).length > 0; depth++) {
      value = Object.values(value)[0];
      if (depth > 64) throw new Error(`read ${depth} levels deep`);
    }
    expect(value).toEqual({});
    expect(parseFirstJsonValue(nested(10_000))).toBeInstanceOf(Array);
  });

  it("keeps the literal of each number a JS number does not give back exactly", () => {
    const value = parseFirstJsonValue('{"a":[1e3,1.0,-0,9007199254740993,1180591620717411303424,0.5,12,"1e3"]}') as { a: unknown[] };
    expect(value.a).toEqual([
      new GoNumber("1e3"),
      new GoNumber("1.0"),
      new GoNumber("-0"),
      new GoNumber("9007199254740993"),
      new GoNumber("1180591620717411303424"),
      0.5,
      12,
      "1e3",
    ]);
  });
});
