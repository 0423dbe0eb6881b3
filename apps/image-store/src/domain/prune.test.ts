import { describe, expect, it } from "vitest";
import { imagePruneFilters } from "./prune.js";

const NOW = new Date("2026-12-07T10:00:00Z");

describe("imagePruneFilters", () => {
  it("prunes dangling images only unless dangling is false or 0", () => {
    expect(imagePruneFilters({}, NOW).danglingOnly).toBe(true);
    expect(imagePruneFilters({ dangling: ["true"] }, NOW).danglingOnly).toBe(true);
    expect(imagePruneFilters({ dangling: ["0"] }, NOW).danglingOnly).toBe(false);
    expect(imagePruneFilters({ dangling: ["true", "false"] }, NOW).danglingOnly).toBe(false);
  });

  it("takes label, label! and until", () => {
    expect(imagePruneFilters({ label: ["a=1"], "label!": ["keep"], until: ["1h"] }, NOW)).toEqual({
      danglingOnly: true,
      until: BigInt(Date.parse("2026-12-07T09:00:00Z")) * 1_000_000n,
      labels: ["a=1"],
      notLabels: ["keep"],
    });
  });

  it("refuses what dockerd refuses, with its words and kinds", () => {
    expect(() => imagePruneFilters({ reference: ["x"] }, NOW)).toThrow(
      expect.objectContaining({ kind: "invalid_argument", message: "Invalid filter 'reference'" }),
    );
    expect(() => imagePruneFilters({ dangling: ["maybe"] }, NOW)).toThrow(
      expect.objectContaining({ kind: "invalid_argument", message: "Invalid filter 'dangling=[maybe]'" }),
    );
    expect(() => imagePruneFilters({ until: ["1h", "2h"] }, NOW)).toThrow(
      expect.objectContaining({ kind: "internal", message: "more than one until filter specified" }),
    );
    expect(() => imagePruneFilters({ until: ["soon"] }, NOW)).toThrow(
      expect.objectContaining({ kind: "internal", message: 'failed to parse value as time or duration: "soon"' }),
    );
  });
});
