import { describe, expect, it } from "vitest";
import { loadImageStoreConfig } from "./config.js";

describe("loadImageStoreConfig", () => {
  it("reads comma-separated mirrors and insecure registries and the certs.d directory, with dockerd's defaults", () => {
    expect(loadImageStoreConfig({})).toEqual({ registry: { mirrors: [], insecureRegistries: [], certsDir: "/etc/docker/certs.d" } });
    const config = loadImageStoreConfig({
      SLIPWAY_REGISTRY_MIRRORS: "https://mirror.example.com, http://10.0.0.5:5000",
      SLIPWAY_INSECURE_REGISTRIES: "registry.local:5000,10.1.0.0/16,",
      SLIPWAY_REGISTRY_CERTS_DIR: "/srv/certs.d",
    });
    expect(config.registry).toEqual({
      mirrors: ["https://mirror.example.com", "http://10.0.0.5:5000"],
      insecureRegistries: ["registry.local:5000", "10.1.0.0/16"],
      certsDir: "/srv/certs.d",
    });
  });

  it("refuses what dockerd refuses, naming the variable", () => {
    expect(() => loadImageStoreConfig({ SLIPWAY_REGISTRY_MIRRORS: "ftp://mirror" })).toThrow(
      'SLIPWAY_REGISTRY_MIRRORS: invalid mirror: unsupported scheme "ftp" in "ftp://mirror"',
    );
    expect(() => loadImageStoreConfig({ SLIPWAY_INSECURE_REGISTRIES: "-bad:5000" })).toThrow(
      "SLIPWAY_INSECURE_REGISTRIES: invalid index name (-bad:5000)",
    );
  });
});
