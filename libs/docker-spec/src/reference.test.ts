import { describe, expect, it } from "vitest";
import {
  familiarName,
  familiarString,
  parseAnyReference,
  parseNormalizedNamed,
  parseReference,
  referenceString,
  withDefaultTag,
  withTag,
} from "./reference.js";

const HEX = "69820369cc29c61948614566de4261af7c96e7a0bde264896cef70461df98643";
const DIGEST = `sha256:${HEX}`;

// input → [normalised with default tag, familiar form] (cases from distribution/reference's normalize tests and dockerd)
const VALID: [string, string, string][] = [
  ["ubuntu", "docker.io/library/ubuntu:latest", "ubuntu:latest"],
  ["ubuntu:22.04", "docker.io/library/ubuntu:22.04", "ubuntu:22.04"],
  ["golden:1", "docker.io/library/golden:1", "golden:1"],
  ["library/ubuntu", "docker.io/library/ubuntu:latest", "ubuntu:latest"],
  ["docker.io/library/golden:2", "docker.io/library/golden:2", "golden:2"],
  ["docker.io/golden", "docker.io/library/golden:latest", "golden:latest"],
  ["index.docker.io/library/golden:1", "docker.io/library/golden:1", "golden:1"],
  ["index.docker.io/foo/bar", "docker.io/foo/bar:latest", "foo/bar:latest"],
  ["foo/bar", "docker.io/foo/bar:latest", "foo/bar:latest"],
  ["foo/bar/baz:tag", "docker.io/foo/bar/baz:tag", "foo/bar/baz:tag"],
  ["docker.io/library/foo/bar", "docker.io/library/foo/bar:latest", "library/foo/bar:latest"],
  ["localhost/a", "localhost/a:latest", "localhost/a:latest"],
  ["localhost:5000/a/b:t", "localhost:5000/a/b:t", "localhost:5000/a/b:t"],
  ["registry.example.com/team/app:v1.2.3", "registry.example.com/team/app:v1.2.3", "registry.example.com/team/app:v1.2.3"],
  ["Example.com/app", "Example.com/app:latest", "Example.com/app:latest"],
  ["[::1]:5000/app:1", "[::1]:5000/app:1", "[::1]:5000/app:1"],
  ["127.0.0.1:5000/app", "127.0.0.1:5000/app:latest", "127.0.0.1:5000/app:latest"],
  ["a.b-c_d__e", "docker.io/library/a.b-c_d__e:latest", "a.b-c_d__e:latest"],
  ["a---b", "docker.io/library/a---b:latest", "a---b:latest"],
  ["lowercase:Uppercase", "docker.io/library/lowercase:Uppercase", "lowercase:Uppercase"],
  ["golden:sha256", "docker.io/library/golden:sha256", "golden:sha256"],
  ["69820369cc29", "docker.io/library/69820369cc29:latest", "69820369cc29:latest"],
  [`golden@${DIGEST}`, `docker.io/library/golden@${DIGEST}`, `golden@${DIGEST}`],
  [`golden:1@${DIGEST}`, `docker.io/library/golden:1@${DIGEST}`, `golden:1@${DIGEST}`],
  [`localhost:5000/x@${DIGEST}`, `localhost:5000/x@${DIGEST}`, `localhost:5000/x@${DIGEST}`],
  [`x:${"t".repeat(128)}`, `docker.io/library/x:${"t".repeat(128)}`, `x:${"t".repeat(128)}`],
];

// input → Docker's error message
const INVALID: [string, string][] = [
  ["", "invalid reference format"],
  ["Golden", "invalid reference format: repository name must be lowercase"],
  ["Golden:1", "invalid reference format: repository name must be lowercase"],
  ["foo/Bar", "invalid reference format: repository name must be lowercase"],
  ["localhost:5000/Upper/lower:tag", "invalid reference format: repository name must be lowercase"],
  [HEX, `invalid repository name (${HEX}), cannot specify 64-byte hexadecimal strings`],
  [":justtag", "invalid reference format"],
  ["@sha256:abc", "invalid reference format"],
  ["golden:", "invalid reference format"],
  ["golden:bad:tag", "invalid reference format"],
  ["-golden", "invalid reference format"],
  ["golden-", "invalid reference format"],
  ["a/../b", "invalid reference format"],
  ["a//b", "invalid reference format"],
  ["has space", "invalid reference format"],
  [`x:${"t".repeat(129)}`, "invalid reference format"],
  [`golden@sha256:${"a".repeat(63)}`, "invalid checksum digest length"],
  [`golden@md5:${"a".repeat(32)}`, "unsupported digest algorithm"],
  [`golden@sha256:${"A".repeat(64)}`, "invalid checksum digest format"],
  [`${"a".repeat(256)}`, "repository name must not be more than 255 characters"],
];

describe("parseNormalizedNamed", () => {
  it.each(VALID)("%s → %s", (input, normalised, familiar) => {
    const ref = withDefaultTag(parseNormalizedNamed(input));
    expect(referenceString(ref)).toBe(normalised);
    expect(familiarString(ref)).toBe(familiar);
  });
  it.each(INVALID)("%j fails: %s", (input, message) => {
    expect(() => parseNormalizedNamed(input)).toThrow(message);
    expect(() => parseNormalizedNamed(input)).toThrow(new RegExp(`^${message.replace(/[()[\]]/g, "\\$&")}$`));
  });
});

describe("parseReference (canonical form)", () => {
  it("keeps the name as given and reports an empty name as distribution does", () => {
    expect(parseReference("localhost:5000/a/b:t")).toEqual({ domain: "localhost:5000", path: "a/b", tag: "t" });
    expect(() => parseReference("")).toThrow("repository name must have at least one component");
    expect(() => parseReference("Docker.io/Library/x")).toThrow("repository name must be lowercase");
  });
});

describe("parseAnyReference", () => {
  it("treats a bare 64-hex string and a sha256 digest as an image ID", () => {
    expect(parseAnyReference(HEX)).toEqual({ domain: "", path: "", digest: DIGEST });
    expect(parseAnyReference(DIGEST)).toEqual({ domain: "", path: "", digest: DIGEST });
    expect(familiarString(parseAnyReference(DIGEST))).toBe(DIGEST);
  });
  it("treats a short or malformed digest as a name with a tag, as Docker does", () => {
    expect(familiarString(parseAnyReference("sha256:6982"))).toBe("sha256:6982");
    expect(parseAnyReference("sha256:6982").path).toBe("library/sha256");
  });
  it("parses names like parseNormalizedNamed", () => {
    expect(familiarString(parseAnyReference("golden:1"))).toBe("golden:1");
    expect(() => parseAnyReference("Golden")).toThrow("invalid reference format: repository name must be lowercase");
  });
});

describe("tags and familiar names", () => {
  it("keeps an explicit tag or digest when adding the default tag", () => {
    expect(withDefaultTag(parseNormalizedNamed("golden:1")).tag).toBe("1");
    expect(withDefaultTag(parseNormalizedNamed(`golden@${DIGEST}`)).tag).toBeUndefined();
  });
  it("retags with Docker's tag grammar", () => {
    const ref = parseNormalizedNamed("docker.io/library/golden");
    expect(familiarString(withTag(ref, "2"))).toBe("golden:2");
    expect(() => withTag(ref, "bad:tag")).toThrow("invalid tag format");
    expect(() => withTag(ref, ".x")).toThrow("invalid tag format");
  });
  it("prints familiar names as repositories.json keys them", () => {
    expect(familiarName(parseNormalizedNamed("docker.io/library/golden"))).toBe("golden");
    expect(familiarName(parseNormalizedNamed("foo/bar"))).toBe("foo/bar");
    expect(familiarName(parseNormalizedNamed("localhost:5000/a/b"))).toBe("localhost:5000/a/b");
  });
});
