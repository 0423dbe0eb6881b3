import { describe, expect, it } from "vitest";
import { humanDuration, humanSize, humanSizeWithPrecision, ramInBytes } from "./units.js";

describe("humanSize (go-units HumanSize)", () => {
  it.each([
    [0, "0B"],
    [999, "999B"],
    [2048, "2.048kB"],
    [10240, "10.24kB"],
    [32768, "32.77kB"],
    [1996800, "1.997MB"],
    [1000, "1kB"],
    [1982308, "1.982MB"],
    [5e12, "5TB"],
  ])("%d bytes -> %s", (bytes, text) => expect(humanSize(bytes)).toBe(text));

  it("prints docker images' SIZE with 3 digits", () => {
    expect([18, 1982284, 106_800_000].map((n) => humanSizeWithPrecision(n, 3))).toEqual(["18B", "1.98MB", "107MB"]);
  });
});

describe("humanDuration and ramInBytes", () => {
  it("says ages as docker does", () => {
    expect([0.5, 1, 3, 60, 61 * 60, 90 * 60].map((s) => humanDuration(s * 1000))).toEqual([
      "Less than a second",
      "1 second",
      "3 seconds",
      "About a minute",
      "About an hour",
      "2 hours",
    ]);
    expect(humanDuration(56 * 365 * 24 * 3600 * 1000 + 1)).toBe("56 years");
  });
  it("reads -m values", () => {
    expect(ramInBytes("64m")).toBe(67108864);
    expect(ramInBytes("1.5GB")).toBe(1610612736);
    expect(() => ramInBytes("lots")).toThrow(/invalid size/);
  });
});
