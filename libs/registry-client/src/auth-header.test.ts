import { describe, expect, it } from "vitest";
import { decodeRegistryAuth, encodeRegistryAuth, parseAuthConfig } from "./auth-header.js";

const json = JSON.stringify({ Username: "u", password: "p?>", serveraddress: "r", IdentityToken: "i", other: 1, email: null });

describe("decodeRegistryAuth", () => {
  it("reads the docker CLI's padded base64url JSON, field names in any case, unknown fields and nulls skipped", () => {
    expect(encodeRegistryAuth({ password: "p?>" })).toBe("eyJwYXNzd29yZCI6InA_PiJ9");
    expect(decodeRegistryAuth(encodeRegistryAuth(JSON.parse(json) as object))).toEqual({
      username: "u",
      password: "p?>",
      serveraddress: "r",
      identitytoken: "i",
    });
  });

  it("reads what dockerd's decoders cannot read as no credentials", () => {
    const padded = encodeRegistryAuth({ username: "u", password: "p" });
    expect(padded).toMatch(/=$/);
    for (const header of [
      undefined,
      "not base64 json",
      padded.replace(/=+$/, ""), // Go's URL decoder wants its padding: the JSON's end is lost
      Buffer.from('{"password":"p?>"}').toString("base64"), // "/" is not in the URL alphabet
      encodeRegistryAuth([1]),
      encodeRegistryAuth({ username: 5 }),
    ])
      expect(decodeRegistryAuth(header), String(header)).toEqual({});
  });
});

describe("parseAuthConfig", () => {
  it("refuses a known field that is not a string, or a document that is not an object, in Go's words", () => {
    expect(() => parseAuthConfig('{"Password":true}')).toThrow("json: cannot unmarshal bool into Go struct field AuthConfig.password of type string");
    expect(() => parseAuthConfig("[]")).toThrow("json: cannot unmarshal array into Go value of type types.AuthConfig");
    expect(parseAuthConfig("null")).toEqual({});
    expect(() => parseAuthConfig("{bad")).toThrow("invalid character 'b' looking for beginning of object key string");
  });

  it("reads the first JSON value only, as Go's json.Decoder does", () => {
    expect(parseAuthConfig('{"username":"u"} and more')).toEqual({ username: "u" });
  });
});
