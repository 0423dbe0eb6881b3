import { describe, expect, it } from "vitest";
import { boolParam, filtersParam, intParam } from "./request.js";

const q = (s: string) => new URLSearchParams(s);

describe("query parameters as dockerd reads them", () => {
  it("booleans: absent, '', 0, no, false and none are false", () => {
    for (const off of ["", "v=", "v=0", "v=no", "v=FALSE", "v=none"]) expect(boolParam(q(off), "v"), off).toBe(false);
    for (const on of ["v=1", "v=true", "v=yes", "v=anything"]) expect(boolParam(q(on), "v"), on).toBe(true);
  });
  it("integers, with a clear error for anything else", () => {
    expect(intParam(q(""), "limit", 0)).toBe(0);
    expect(intParam(q("limit=-1"), "limit", 0)).toBe(-1);
    expect(intParam(q("limit=5"), "limit", 0)).toBe(5);
    expect(() => intParam(q("limit=abc"), "limit", 0)).toThrow("query parameter limit=abc is not an integer");
  });
  it("filters in the CLI's map-of-bool form and the older list form", () => {
    expect(filtersParam(q(`filters=${encodeURIComponent('{"name":{"demo":true,"x":true},"status":{"created":true}}')}`))).toEqual({
      name: { values: ["demo", "x"] },
      status: { values: ["created"] },
    });
    expect(filtersParam(q(`filters=${encodeURIComponent('{"reference":["golden"]}')}`))).toEqual({ reference: { values: ["golden"] } });
    expect(filtersParam(q(""))).toEqual({});
  });
  it("rejects filters that are not such JSON, saying what is expected", () => {
    expect(() => filtersParam(q("filters=%7Bbad"))).toThrow(/^filters is not valid JSON .*\{"name":\{"demo":true\}\}/);
    expect(() => filtersParam(q("filters=%5B%5D"))).toThrow("filters must be a JSON object");
    expect(() => filtersParam(q(`filters=${encodeURIComponent('{"name":"demo"}')}`))).toThrow("filter name must map values to true");
  });
});
