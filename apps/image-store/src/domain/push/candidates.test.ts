import { createHash, createHmac } from "node:crypto";
import { describe, expect, it } from "vitest";
import { parseNormalizedNamed } from "@slipway/docker-spec";
import type { V2Metadata } from "../../storage/distribution-metadata.js";
import { canonicalName, existenceCandidates, hmacKey, hmacMatches, hmacOf, lookupLimits, mountCandidates } from "./candidates.js";

const digest = (c: string) => `sha256:${c.repeat(64)}`;
const TARGET = "127.0.0.1:5000/team/app";
const KEY = hmacKey({ username: "u", password: "p" });
const tagged = (d: string, repository: string, key = KEY): V2Metadata => ({
  digest: d,
  sourceRepository: repository,
  hmac: hmacOf(key, d, repository),
});
const pulled = (d: string, repository: string): V2Metadata => ({ digest: d, sourceRepository: repository, hmac: "" });

describe("hmacKey", () => {
  it("is the digest of the credentials as Go marshals them, empty fields left out", () => {
    const json = '{"username":"u","password":"p\\u003c\\u0026"}';
    expect(hmacKey({ username: "u", password: "p<&", serveraddress: "ignored", email: "ignored" })).toBe(
      `sha256:${createHash("sha256").update(json).digest("hex")}`,
    );
  });

  it("exists for an anonymous push too (that of {}), as dockerd always has an AuthConfig", () => {
    expect(hmacKey()).toBe(`sha256:${createHash("sha256").update("{}").digest("hex")}`);
    expect(hmacKey({ username: "" })).toBe(hmacKey());
  });
});

describe("hmacMatches", () => {
  it("accepts an entry written with the same key, digest and repository", () => {
    const entry = tagged(digest("a"), TARGET);
    expect(entry.hmac).toBe(createHmac("sha256", KEY).update(digest("a")).update(TARGET).digest("hex"));
    expect(hmacMatches(entry, KEY)).toBe(true);
    expect(hmacMatches({ ...entry, hmac: entry.hmac.toUpperCase() }, KEY)).toBe(true);
    expect(hmacMatches(entry, hmacKey())).toBe(false);
    expect(hmacMatches({ ...entry, sourceRepository: "127.0.0.1:5000/other" }, KEY)).toBe(false);
    expect(hmacMatches({ ...entry, hmac: "zz" }, KEY)).toBe(false);
  });

  it("never matches a pull's untagged entry with a key, and only such entries without one", () => {
    expect(hmacMatches(pulled(digest("a"), TARGET), KEY)).toBe(false);
    expect(hmacMatches(pulled(digest("a"), TARGET), "")).toBe(true);
    expect(hmacMatches(tagged(digest("a"), TARGET), "")).toBe(false);
  });
});

describe("lookupLimits", () => {
  it("looks harder the larger the layer", () => {
    expect(lookupLimits(100 * 1024)).toEqual({ mountAttempts: 1, existenceChecks: 1, checkOtherRepositories: false });
    expect(lookupLimits(100 * 1024 + 1)).toEqual({ mountAttempts: 3, existenceChecks: 1, checkOtherRepositories: false });
    expect(lookupLimits(10 * 1024 * 1024 + 1)).toEqual({ mountAttempts: 4, existenceChecks: 3, checkOtherRepositories: true });
  });
});

describe("existenceCandidates", () => {
  const options = { checkOtherRepositories: true, max: 10, checked: new Set<string>() };

  it("prefers the same credentials, then more path components in common, then the newest", () => {
    const entries = [
      pulled(digest("1"), "127.0.0.1:5000/team/app"),
      tagged(digest("2"), "127.0.0.1:5000/other"),
      tagged(digest("3"), "127.0.0.1:5000/team/lib"),
      tagged(digest("4"), "127.0.0.1:5000/other2"),
    ];
    expect(existenceCandidates(entries, TARGET, KEY, options).map((e) => e.digest)).toEqual([digest("3"), digest("4"), digest("2"), digest("1")]);
  });

  it("checks each digest once, skips digests already checked, and stops at the limit", () => {
    const entries = [tagged(digest("1"), TARGET), tagged(digest("1"), "127.0.0.1:5000/x"), tagged(digest("2"), TARGET), tagged(digest("3"), TARGET)];
    const checked = new Set([digest("3")]);
    expect(existenceCandidates(entries, TARGET, KEY, { ...options, max: 3, checked })).toEqual([entries[2], entries[0]]);
    expect(existenceCandidates(entries, TARGET, KEY, { ...options, max: 1, checked })).toEqual([entries[2]]);
  });

  it("keeps to the target repository (and entries without one) unless told to look further", () => {
    const entries = [tagged(digest("1"), TARGET), tagged(digest("2"), "127.0.0.1:5000/x"), pulled(digest("3"), "")];
    const chosen = existenceCandidates(entries, TARGET, KEY, { ...options, checkOtherRepositories: false });
    expect(chosen.map((e) => e.digest)).toEqual([digest("1"), digest("3")]);
  });
});

describe("mountCandidates", () => {
  const target = parseNormalizedNamed(TARGET);

  it("takes other repositories of the same registry in canonical form, best first, up to the limit", () => {
    const entries = [
      pulled(digest("1"), "docker.io/library/alpine"),
      tagged(digest("2"), TARGET),
      pulled(digest("3"), "127.0.0.1:5000/old"),
      tagged(digest("4"), "127.0.0.1:5000/team/base"),
      pulled(digest("5"), "alpine"),
      tagged(digest("6"), "127.0.0.1:5000/new"),
    ];
    expect(mountCandidates(entries, target, KEY, 4).map((e) => e.sourceRepository)).toEqual([
      "127.0.0.1:5000/team/base",
      "127.0.0.1:5000/new",
      "127.0.0.1:5000/old",
    ]);
    expect(mountCandidates(entries, target, KEY, 1)).toHaveLength(1);
  });
});

describe("canonicalName", () => {
  it("takes only names as reference.ParseNamed does", () => {
    expect(canonicalName("docker.io/library/alpine")).toMatchObject({ domain: "docker.io", path: "library/alpine" });
    expect(canonicalName("alpine")).toBeUndefined();
    expect(canonicalName("docker.io/alpine")).toBeUndefined();
  });
});
