import { describe, expect, it } from "vitest";
import { parseJsonLikeGo } from "./go-json.js";

describe("parseJsonLikeGo", () => {
  it("parses JSON", () => {
    expect(parseJsonLikeGo('{"a":[1]}')).toEqual({ a: [1] });
  });

  it("fails with encoding/json's texts", () => {
    const cases: Record<string, string> = {
      "": "unexpected end of JSON input",
      "{": "unexpected end of JSON input",
      '{"a":': "unexpected end of JSON input",
      '"abc': "unexpected end of JSON input",
      "{x}": "invalid character 'x' looking for beginning of object key string",
      "404 page not found": "invalid character 'p' after top-level value",
      "<html>": "invalid character '<' looking for beginning of value",
      "'": "invalid character '\\'' looking for beginning of value",
    };
    for (const [text, message] of Object.entries(cases)) expect(() => parseJsonLikeGo(text), text).toThrow(message);
  });
});
