import { describe, expect, it } from "vitest";
import { parseChallenges } from "./challenge.js";

describe("parseChallenges", () => {
  it("reads distribution's Bearer challenge", () => {
    const header = 'Bearer realm="https://auth.docker.io/token",service="registry.docker.io",scope="repository:library/alpine:pull"';
    expect(parseChallenges(header)).toEqual([
      {
        scheme: "bearer",
        parameters: { realm: "https://auth.docker.io/token", service: "registry.docker.io", scope: "repository:library/alpine:pull" },
      },
    ]);
  });

  it("lower-cases scheme and parameter names but not values, and takes tokens unquoted", () => {
    expect(parseChallenges('BASIC Realm="Test Realm", charset=UTF-8')).toEqual([
      { scheme: "basic", parameters: { realm: "Test Realm", charset: "UTF-8" } },
    ]);
  });

  it("unescapes quoted strings", () => {
    expect(parseChallenges('Bearer realm="a\\"b\\\\c",error="insufficient_scope"')[0]!.parameters).toEqual({
      realm: 'a"b\\c',
      error: "insufficient_scope",
    });
  });

  it("splits several challenges in one header (as Node joins repeated headers)", () => {
    expect(parseChallenges('Bearer realm="https://a/token",service="s", Basic realm="r"')).toEqual([
      { scheme: "bearer", parameters: { realm: "https://a/token", service: "s" } },
      { scheme: "basic", parameters: { realm: "r" } },
    ]);
  });

  it("keeps a scheme without parameters and stops at an unterminated quote", () => {
    expect(parseChallenges("Negotiate")).toEqual([{ scheme: "negotiate", parameters: {} }]);
    expect(parseChallenges('Bearer realm="never closed')).toEqual([{ scheme: "bearer", parameters: {} }]);
    expect(parseChallenges("")).toEqual([]);
  });
});
