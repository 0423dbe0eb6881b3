import { describe, expect, it } from "vitest";
import { RegistryError } from "./errors.js";
import { nextPage, tagsOf } from "./tags.js";

describe("tagsOf", () => {
  it("reads the tags of a tags/list answer in the registry's order, none when null or missing", () => {
    expect(tagsOf(Buffer.from('{"name":"x","tags":["2","1"]}'))).toEqual(["2", "1"]);
    expect(tagsOf(Buffer.from('{"name":"x","tags":null}'))).toEqual([]);
    expect(tagsOf(Buffer.from('{"name":"x"}'))).toEqual([]);
  });

  it("refuses an answer that is not JSON with Go's words, and tags that are not strings", () => {
    expect(() => tagsOf(Buffer.from("<html>"))).toThrow(new RegistryError("invalid character '<' looking for beginning of value"));
    expect(() => tagsOf(Buffer.from('{"tags":[1]}'))).toThrow(RegistryError);
  });
});

describe("nextPage", () => {
  it("takes the Link header's target, resolved against the page that named it", () => {
    const page = "http://127.0.0.1:5000/v2/x/tags/list";
    expect(nextPage('</v2/x/tags/list?last=b&n=2>; rel="next"', page)).toBe("http://127.0.0.1:5000/v2/x/tags/list?last=b&n=2");
    expect(nextPage("<https://other.example/v2/x/tags/list?last=b>", page)).toBe("https://other.example/v2/x/tags/list?last=b");
  });
});
