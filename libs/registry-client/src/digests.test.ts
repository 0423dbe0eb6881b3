import { describe, expect, it } from "vitest";
import { createHash } from "node:crypto";
import { DigestVerifier, digestProblem, matchesDigest } from "./digests.js";

describe("digestProblem", () => {
  it("validates as go-digest does", () => {
    expect(digestProblem(`sha256:${"a".repeat(64)}`)).toBeUndefined();
    expect(digestProblem(`sha512:${"0".repeat(128)}`)).toBeUndefined();
    expect(digestProblem("sha256")).toBe("invalid checksum digest format");
    expect(digestProblem("sha256:")).toBe("invalid checksum digest format");
    expect(digestProblem(`sha256:${"A".repeat(64)}`)).toBe("invalid checksum digest format");
    expect(digestProblem("sha256:abc")).toBe("invalid checksum digest length");
    expect(digestProblem("md5:abc")).toBe("unsupported digest algorithm");
    expect(digestProblem("MD5:abc")).toBe("invalid checksum digest format");
  });
});

describe("DigestVerifier", () => {
  it("verifies pieces against sha256 and sha512 digests", () => {
    const data = Buffer.from("hello registry");
    const sha512 = `sha512:${createHash("sha512").update(data).digest("hex")}`;
    const verifier = new DigestVerifier(sha512);
    verifier.update(data.subarray(0, 5));
    verifier.update(data.subarray(5));
    expect(verifier.verified()).toBe(true);
    expect(matchesDigest(data, `sha256:${createHash("sha256").update(data).digest("hex")}`)).toBe(true);
    expect(matchesDigest(Buffer.from("other"), `sha256:${createHash("sha256").update(data).digest("hex")}`)).toBe(false);
  });
});
