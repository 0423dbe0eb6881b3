import { describe, expect, it } from "vitest";
import { loadLayerStoreConfig } from "./config.js";

describe("loadLayerStoreConfig", () => {
  it("extracts on three threads unless told otherwise; 0 keeps extraction on the main thread", () => {
    expect(loadLayerStoreConfig({})).toEqual({ extractThreads: 3 });
    expect(loadLayerStoreConfig({ SLIPWAY_EXTRACT_THREADS: "0" })).toEqual({ extractThreads: 0 });
    expect(loadLayerStoreConfig({ SLIPWAY_EXTRACT_THREADS: "8" })).toEqual({ extractThreads: 8 });
  });

  it("refuses what is not a thread count, saying what it takes", () => {
    for (const value of ["-1", "two", "1.5", "65"])
      expect(() => loadLayerStoreConfig({ SLIPWAY_EXTRACT_THREADS: value })).toThrow(
        `SLIPWAY_EXTRACT_THREADS must be a whole number from 0 to 64, got "${value}"`,
      );
  });
});
