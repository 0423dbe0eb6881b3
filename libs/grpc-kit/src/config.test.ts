import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { ConfigError, loadServiceConfig, validateAddress, writableDir } from "./config.js";

describe("config", () => {
  const root = mkdtempSync(join(tmpdir(), "kit-config-"));

  it("applies documented defaults and env", () => {
    const config = loadServiceConfig("layer-store", [], { SLIPWAY_DATA_ROOT: join(root, "d"), SLIPWAY_RUN_ROOT: join(root, "r") });
    const run = join(root, "r");
    expect(config.bind).toBe(`unix:${run}/layer-store.sock`);
    expect(config.dataRoot).toBe(join(root, "d"));
    expect(config.endpoints).toEqual({
      "layer-store": `unix:${run}/layer-store.sock`,
      "image-store": `unix:${run}/image-store.sock`,
      "container-config": `unix:${run}/container-config.sock`,
      orchestrator: `unix:${run}/orchestrator.sock`,
    });
    expect(config.certificates).toBeUndefined();
  });

  it("takes each endpoint from its SLIPWAY_*_ADDR", () => {
    const env = {
      SLIPWAY_DATA_ROOT: join(root, "d"),
      SLIPWAY_RUN_ROOT: join(root, "r"),
      SLIPWAY_IMAGE_STORE_ADDR: "unix:/run/other/image-store.sock",
    };
    expect(loadServiceConfig("orchestrator", [], env).endpoints["image-store"]).toBe("unix:/run/other/image-store.sock");
  });

  it("prefers flags over env", () => {
    const env = { SLIPWAY_LAYER_STORE_BIND: "127.0.0.1:9", SLIPWAY_DATA_ROOT: join(root, "x"), SLIPWAY_RUN_ROOT: join(root, "r") };
    const config = loadServiceConfig("layer-store", ["--bind", "unix:/tmp/ls.sock", "--data-root", join(root, "y")], env);
    expect(config.bind).toBe("unix:/tmp/ls.sock");
    expect(config.dataRoot).toBe(join(root, "y"));
  });

  it("names a bad port and where it came from", () => {
    expect(() => loadServiceConfig("image-store", [], { SLIPWAY_IMAGE_STORE_BIND: "127.0.0.1:99999", SLIPWAY_RUN_ROOT: join(root, "r") })).toThrow(
      new ConfigError('SLIPWAY_IMAGE_STORE_BIND: "127.0.0.1:99999" is not a valid address; use host:port (port 0-65535) or unix:/path'),
    );
    expect(() => validateAddress("unix:", "--bind")).toThrow(/names no absolute socket path/);
    expect(() => validateAddress("unix:run/ls.sock", "--bind")).toThrow(/names no absolute socket path/);
    expect(() => validateAddress(`unix:/${"x".repeat(107)}`, "--bind")).toThrow(/longer than 107 bytes/);
    expect(() => validateAddress(`unix:/${"x".repeat(106)}`, "--bind")).not.toThrow();
    expect(() => validateAddress("[::1]:7701", "x")).not.toThrow();
  });

  it("takes the data root's path as an adopting dockerd sees it, the data root by default, and refuses a relative one", () => {
    const env = { SLIPWAY_DATA_ROOT: join(root, "d"), SLIPWAY_RUN_ROOT: join(root, "r") };
    expect(loadServiceConfig("layer-store", [], env).dockerdDataRoot).toBe(join(root, "d"));
    expect(loadServiceConfig("layer-store", [], { ...env, SLIPWAY_DOCKERD_DATA_ROOT: "/srv/docker" }).dockerdDataRoot).toBe("/srv/docker");
    expect(() => loadServiceConfig("layer-store", [], { ...env, SLIPWAY_DOCKERD_DATA_ROOT: "srv/docker" })).toThrow(
      new ConfigError('SLIPWAY_DOCKERD_DATA_ROOT: "srv/docker" is not an absolute path; give the data root\'s path as dockerd sees it'),
    );
  });

  it("names an unwritable data root", () => {
    const file = join(root, "file");
    writeFileSync(file, "");
    expect(() => writableDir(join(file, "data"), "data root")).toThrow(
      new ConfigError(`data root ${join(file, "data")} is not writable (ENOTDIR); set a writable directory`),
    );
  });

  it("creates nested directories", () => {
    expect(writableDir(join(root, "a", "b", "c"), "run root")).toBe(join(root, "a", "b", "c"));
  });
});
