import { describe, expect, it } from "vitest";
import { formatPlatform, hostPlatform, imageMatchesPlatform, normalizePlatform, parsePlatform, selectManifest, type Platform } from "./platform.js";

const amd64: Platform = { os: "linux", architecture: "amd64", variant: "" };
const armV7: Platform = { os: "linux", architecture: "arm", variant: "v7" };
const entry = (architecture: string, variant?: string, os = "linux") => ({
  digest: `${os}/${architecture}/${variant ?? ""}`,
  platform: { os, architecture, ...(variant !== undefined ? { variant } : {}) },
});

describe("hostPlatform", () => {
  it("names Node's architectures as Go does", () => {
    expect(hostPlatform("x64")).toEqual(amd64);
    expect(hostPlatform("arm64")).toEqual({ os: "linux", architecture: "arm64", variant: "v8" });
    expect(hostPlatform("arm", "6")).toEqual({ os: "linux", architecture: "arm", variant: "v6" });
    expect(hostPlatform("ia32").architecture).toBe("386");
    expect(hostPlatform("s390x").architecture).toBe("s390x");
  });
});

describe("normalizePlatform and formatPlatform", () => {
  it("applies containerd's aliases", () => {
    expect(normalizePlatform({ os: "Linux", architecture: "x86_64" })).toEqual(amd64);
    expect(normalizePlatform({ os: "linux", architecture: "aarch64", variant: "v8" })).toEqual({ os: "linux", architecture: "arm64", variant: "" });
    expect(normalizePlatform({ os: "linux", architecture: "armhf" })).toEqual(armV7);
    expect(normalizePlatform({ os: "linux", architecture: "arm" })).toEqual(armV7);
    expect(normalizePlatform({ os: "linux", architecture: "arm", variant: "6" })).toEqual({ os: "linux", architecture: "arm", variant: "v6" });
    expect(normalizePlatform({ architecture: "i386" })).toEqual({ os: "linux", architecture: "386", variant: "" });
    expect(normalizePlatform({ os: "macos", architecture: "arm64" }).os).toBe("darwin");
  });

  it("formats os/architecture[/variant]", () => {
    expect(formatPlatform(amd64)).toBe("linux/amd64");
    expect(formatPlatform(armV7)).toBe("linux/arm/v7");
    expect(formatPlatform({ os: "", architecture: "amd64" })).toBe("unknown");
  });
});

describe("parsePlatform", () => {
  it("parses --platform values as platforms.Parse does", () => {
    expect(parsePlatform("linux/arm64", amd64)).toEqual({ os: "linux", architecture: "arm64", variant: "" });
    expect(parsePlatform("linux/arm64/v8", amd64)).toEqual({ os: "linux", architecture: "arm64", variant: "v8" }); // containerd keeps it spelled out here
    expect(parsePlatform("linux/arm", amd64)).toEqual({ os: "linux", architecture: "arm", variant: "" });
    expect(parsePlatform("linux/arm/v6", amd64)).toEqual({ os: "linux", architecture: "arm", variant: "v6" });
    expect(parsePlatform("Linux/X86_64", amd64)).toEqual({ os: "linux", architecture: "amd64", variant: "" });
    expect(parsePlatform("linux", amd64)).toEqual({ os: "linux", architecture: "amd64", variant: "" });
    expect(parsePlatform("linux", { os: "linux", architecture: "arm", variant: "v6" })).toEqual({ os: "linux", architecture: "arm", variant: "v6" });
    expect(parsePlatform("arm64", amd64)).toEqual({ os: "linux", architecture: "arm64", variant: "" });
  });

  it("refuses what containerd refuses, in its words", () => {
    expect(() => parsePlatform("linux/*", amd64)).toThrow('"linux/*": wildcards not yet supported: invalid argument');
    expect(() => parsePlatform("linux/amd 64", amd64)).toThrow(
      '"amd 64" is an invalid component of "linux/amd 64": platform specifier component must match "^[A-Za-z0-9_-]+$": invalid argument',
    );
    expect(() => parsePlatform("plan10", amd64)).toThrow('"plan10": unknown operating system or architecture: invalid argument');
    expect(() => parsePlatform("a/b/c/d", amd64)).toThrow('"a/b/c/d": cannot parse platform specifier: invalid argument');
    try {
      parsePlatform("plan10", amd64);
    } catch (err) {
      expect((err as { category: string }).category).toBe("invalid-parameter");
    }
  });
});

describe("selectManifest", () => {
  const list = [entry("arm", "v6"), entry("arm", "v7"), entry("arm64", "v8"), entry("amd64"), entry("amd64", undefined, "windows"), entry("amd64")];

  it("takes the first entry for the host platform", () => {
    expect(selectManifest(list, undefined, amd64)).toBe(list[3]);
    expect(selectManifest(list, undefined, hostPlatform("arm64"))).toBe(list[2]);
    expect(selectManifest(list, undefined, armV7)).toBe(list[1]);
  });

  it("takes the requested platform, the host filling in what it leaves out", () => {
    expect(selectManifest(list, { os: "linux", architecture: "arm64" }, amd64)).toBe(list[2]);
    expect(selectManifest(list, { os: "linux", architecture: "arm", variant: "v6" }, amd64)).toBe(list[0]);
    expect(selectManifest(list, { os: "windows", architecture: "" }, amd64)).toBe(list[4]);
  });

  it("falls back to any variant for ARM only", () => {
    const onlyV6 = [entry("arm", "v6")];
    expect(selectManifest(onlyV6, { os: "linux", architecture: "arm", variant: "v7" }, amd64)).toBe(onlyV6[0]);
    expect(() => selectManifest([entry("arm64", "v9")], { os: "linux", architecture: "arm64" }, amd64)).toThrow(
      "no matching manifest for linux/arm64 in the manifest list entries",
    );
  });

  it("words a miss as dockerd does, naming the requested platform or the host's", () => {
    expect(() => selectManifest([entry("arm64")], undefined, amd64)).toThrow("no matching manifest for linux/amd64 in the manifest list entries");
    expect(() => selectManifest([entry("amd64")], { os: "linux", architecture: "s390x" }, amd64)).toThrow(
      "no matching manifest for linux/s390x in the manifest list entries",
    );
    expect(() => selectManifest([], undefined, armV7)).toThrow("no matching manifest for linux/arm/v7 in the manifest list entries");
    const withoutPlatform: { digest: string; platform?: { os: string } }[] = [{ digest: "x" }];
    expect(() => selectManifest(withoutPlatform, undefined, amd64)).toThrow("no matching manifest");
  });
});

describe("imageMatchesPlatform", () => {
  it("takes the same OS and architecture, a missing or older ARM variant, and nothing else", () => {
    expect(imageMatchesPlatform(amd64, { os: "linux", architecture: "x86_64" })).toBe(true);
    expect(imageMatchesPlatform(amd64, { os: "linux", architecture: "arm64" })).toBe(false);
    expect(imageMatchesPlatform(amd64, { os: "windows", architecture: "amd64" })).toBe(false);
    expect(imageMatchesPlatform(armV7, { os: "linux", architecture: "arm" })).toBe(true);
    expect(imageMatchesPlatform(armV7, { os: "linux", architecture: "arm", variant: "v6" })).toBe(true);
    expect(imageMatchesPlatform({ os: "linux", architecture: "arm", variant: "v6" }, { os: "linux", architecture: "arm", variant: "v7" })).toBe(
      false,
    );
  });
});
