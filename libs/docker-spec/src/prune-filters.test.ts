import { describe, expect, it } from "vitest";
import { checkBuildCacheFilters, matchesPruneFilters, matchKeyValueList, parsePruneFilters, PruneFilterError } from "./prune-filters.js";

/** The error a call throws (undefined when it does not). */
function thrown(call: () => unknown): unknown {
  try {
    call();
  } catch (err) {
    return err;
  }
  return undefined;
}

const NOW = new Date("2024-05-06T07:08:09Z");

describe("parsePruneFilters", () => {
  it("refuses any key but label, label! and until, as dockerd's 400 does", () => {
    expect(thrown(() => parsePruneFilters({ label: ["a"], dangling: ["true"] }, NOW))).toEqual(
      new PruneFilterError("Invalid filter 'dangling'", true),
    );
    expect(thrown(() => parsePruneFilters({ dangling: ["true"] }, NOW))).toMatchObject({ invalidParameter: true });
  });

  it("refuses two untils, or one it cannot parse, as dockerd's 500 does", () => {
    expect(thrown(() => parsePruneFilters({ until: ["1", "2"] }, NOW))).toMatchObject({
      message: "more than one until filter specified",
      invalidParameter: false,
    });
    expect(thrown(() => parsePruneFilters({ until: ["soon"] }, NOW))).toMatchObject({
      message: 'failed to parse value as time or duration: "soon"',
      invalidParameter: false,
    });
  });

  it("reads until as nanoseconds since the epoch", () => {
    expect(parsePruneFilters({ until: ["1700000000"], label: ["a"] }, NOW)).toEqual({
      labels: ["a"],
      notLabels: [],
      until: 1_700_000_000_000_000_000n,
    });
  });
});

describe("matchesPruneFilters", () => {
  const created = 1_700_000_000_000_000_001n;
  it("keeps what was created after until", () => {
    expect(matchesPruneFilters({ labels: [], notLabels: [], until: created - 1n }, {}, created)).toBe(false);
    expect(matchesPruneFilters({ labels: [], notLabels: [], until: created }, {}, created)).toBe(true);
  });

  it("needs every label, and is excluded only by matching every label!", () => {
    const labels = { a: "1", b: "2" };
    expect(matchesPruneFilters({ labels: ["a", "b=2"], notLabels: [] }, labels, created)).toBe(true);
    expect(matchesPruneFilters({ labels: ["a=2"], notLabels: [] }, labels, created)).toBe(false);
    expect(matchesPruneFilters({ labels: [], notLabels: ["a=1", "c"] }, labels, created)).toBe(true);
    expect(matchesPruneFilters({ labels: [], notLabels: ["a=1", "b"] }, labels, created)).toBe(false);
  });
});

describe("matchKeyValueList", () => {
  it("matches everything without values, and never a key that is only inherited", () => {
    expect(matchKeyValueList([], {})).toBe(true);
    expect(matchKeyValueList(["toString"], {})).toBe(false);
  });
});

describe("checkBuildCacheFilters", () => {
  it("accepts the build cache's fields, label and label!, and one duration", () => {
    expect(() => checkBuildCacheFilters({ label: ["a", "b"], "label!": ["c"], until: ["24h"], type: ["regular"] })).not.toThrow();
  });

  it.each([
    [{ mutable: ["x"] }, "Invalid filter 'mutable'", true],
    [{ until: ["1h"], "unused-for": ["2h"] }, 'conflicting filters: "until" and "unused-for"', true],
    [{ id: ["a", "b"] }, "filters expect only one value", true],
    [{ until: ["1h", "2h"] }, "filters expect only one value", true],
    [{ until: ["xyz"] }, '"until" filter expects a duration (e.g., \'24h\'): time: invalid duration "xyz"', false],
    [{ "unused-for": ["5"] }, '"unused-for" filter expects a duration (e.g., \'24h\'): time: missing unit in duration "5"', false],
  ])("refuses %j in dockerd's words", (filters, message, invalidParameter) => {
    expect(thrown(() => checkBuildCacheFilters(filters))).toMatchObject({ message, invalidParameter });
  });
});
