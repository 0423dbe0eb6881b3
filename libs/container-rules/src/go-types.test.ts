import { describe, expect, it } from "vitest";
import { decodeGo, goArray, goInt, goMap, goPtr, goSlice, goString, goStruct, zeroValue, type GoStruct } from "./go-types.js";
import { parseFirstJsonValue } from "./json-input.js";
import { configType, hostConfigType } from "./schemas.js";

const inner = goStruct("t.Inner", [
  ["Name", goString],
  ["Count", goInt("int")],
]);
const outer = goStruct("t.Outer", [
  ["Text", goString],
  ["On", goInt("uint8")],
  ["Inner", inner],
  ["Pair", goArray(goInt("uint"), 2)],
  ["List", goSlice(goString)],
  ["Map", goMap(goString)],
  ["Ptr", goPtr(inner)],
]);

describe("zeroValue", () => {
  it("holds every field in order, with a fresh struct and array each time", () => {
    const zero = zeroValue(outer) as GoStruct;
    expect(Object.keys(zero)).toEqual(["Text", "On", "Inner", "Pair", "List", "Map", "Ptr"]);
    expect(zero).toEqual({ Text: "", On: 0, Inner: { Name: "", Count: 0 }, Pair: [0, 0], List: null, Map: null, Ptr: null });
    (zero.Inner as GoStruct).Name = "changed";
    (zero.Pair as number[])[0] = 7;
    expect(zeroValue(outer)).toMatchObject({ Inner: { Name: "" }, Pair: [0, 0] });
    expect(Object.keys(zeroValue(hostConfigType) as object)).toEqual(hostConfigType.fields.map((f) => f.name));
  });
});

describe("decodeGo", () => {
  it("fills the struct or pointer target an earlier key of the same field decoded, as encoding/json does", () => {
    const decoded = decodeGo(outer, {
      Inner: { Name: "a" },
      inner: { Count: 2 },
      Ptr: { Name: "p" },
      PTR: { count: 3 },
    });
    expect(decoded).toMatchObject({ Inner: { Name: "a", Count: 2 }, Ptr: { Name: "p", Count: 3 } });
  });

  it("lets null clear slices, maps and pointers and leave everything else as it was", () => {
    const decoded = decodeGo(outer, {
      Text: "t",
      text: null,
      Inner: { Name: "a" },
      inner: null,
      List: ["x"],
      list: null,
      Map: {},
      map: null,
      Ptr: {},
      ptr: null,
    });
    expect(decoded).toEqual({ Text: "t", On: 0, Inner: { Name: "a", Count: 0 }, Pair: [0, 0], List: null, Map: null, Ptr: null });
  });

  it("pads a short array with zero values and ignores the extra items of a long one", () => {
    expect(decodeGo(outer, { Pair: [5] })).toMatchObject({ Pair: [5, 0] });
    expect(decodeGo(outer, { Pair: [5, 6, "ignored"] })).toMatchObject({ Pair: [5, 6] });
  });

  it("keeps map keys such as __proto__ and integer-like ones as ordinary keys", () => {
    const decoded = decodeGo(outer, JSON.parse('{"Map":{"__proto__":"p","10":"a","9":"b"}}')) as { Map: Record<string, string> };
    expect(Object.getPrototypeOf(decoded.Map)).toBe(Object.prototype);
    expect(Object.entries(decoded.Map)).toEqual([
      ["9", "b"],
      ["10", "a"],
      ["__proto__", "p"],
    ]);
  });

  it("builds new values each time, leaving the JSON it read unchanged", () => {
    const json = { Inner: { Name: "a" }, List: ["x"], Env: ["A=1"] };
    const first = decodeGo(outer, json) as GoStruct;
    (first.Inner as GoStruct).Name = "changed";
    (first.List as string[]).push("y");
    expect(decodeGo(outer, json)).toMatchObject({ Inner: { Name: "a" }, List: ["x"] });
    expect(json).toEqual({ Inner: { Name: "a" }, List: ["x"], Env: ["A=1"] });
    expect((decodeGo(configType, json) as GoStruct).Env).not.toBe(json.Env);
  });

  it("names the innermost struct and the key path in Go's unmarshal error", () => {
    expect(() => decodeGo(outer, { Inner: { Count: "x" } })).toThrow(
      "json: cannot unmarshal string into Go struct field Inner.Inner.Count of type int",
    );
    expect(() => decodeGo(outer, { On: -1 }, { struct: "Wrapper", path: "" })).toThrow(
      "json: cannot unmarshal number -1 into Go struct field Wrapper.On of type uint8",
    );
    expect(() => decodeGo(outer, [])).toThrow("json: cannot unmarshal array into Go value of type t.Outer");
  });

  it("takes an integer only from an integer literal within the Go type's range, exactly, as strconv.ParseInt does", () => {
    const ints = goStruct("t.Ints", [
      ["I64", goInt("int64")],
      ["U16", goInt("uint16")],
    ]);
    const decode = (body: string) => decodeGo(ints, parseFirstJsonValue(body)) as GoStruct;
    expect(decode('{"I64":9007199254740993,"U16":65535}')).toEqual({ I64: 9007199254740993n, U16: 65535 });
    expect(decode('{"I64":-9223372036854775808}')).toEqual({ I64: -9223372036854775808n, U16: 0 });
    expect(decode('{"I64":-0}')).toEqual({ I64: 0, U16: 0 });
    const refused = (literal: string, field = "I64", type = "int64") =>
      expect(() => decode(`{"${field}":${literal}}`)).toThrow(
        `json: cannot unmarshal number ${literal} into Go struct field Ints.${field} of type ${type}`,
      );
    for (const literal of ["1180591620717411303424", "9223372036854775808", "1e308", "1e3", "1.0", "1.5", "1E+21"]) refused(literal);
    for (const literal of ["65536", "-1", "-0"]) refused(literal, "U16", "uint16");
  });
});
