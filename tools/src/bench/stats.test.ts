import { expect, it } from "vitest";
import { measure, percentile, summarize } from "./stats.js";

it("takes nearest-rank percentiles", () => {
  const sorted = Array.from({ length: 100 }, (_, i) => i + 1);
  expect(percentile(sorted, 50)).toBe(50);
  expect(percentile(sorted, 99)).toBe(99);
  expect(percentile([7], 99)).toBe(7);
  expect(percentile([], 50)).toBeNaN();
});

it("summarizes counts and rates", () => {
  expect(summarize([3, 1, 2], 0.5)).toEqual({ count: 3, seconds: 0.5, perSecond: 6, p50: 2, p90: 3, p99: 3 });
});

it("runs every operation exactly once across workers", async () => {
  const seen: number[] = [];
  const stats = await measure(25, 4, async (i) => void seen.push(i));
  expect(stats.count).toBe(25);
  expect(seen.sort((a, b) => a - b)).toEqual(Array.from({ length: 25 }, (_, i) => i));
});
