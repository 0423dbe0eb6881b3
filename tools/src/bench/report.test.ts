import { expect, it } from "vitest";
import { comparisonRows, renderTargets } from "./report.js";
import { evaluateTargets } from "./targets.js";

it("gives each figure a row per layout, against the same dockerd figure", () => {
  const rows = comparisonRows(
    {
      one: { "sequential p50": 5, "sequential CPU ms/create": 3 },
      split: { "sequential p50": 9 },
      dockerd: { "sequential p50": 6, "sequential CPU ms/create": 4 },
    },
    ["one", "split"],
  );
  expect(rows.map((r) => [r.figure, r.slipway, r.dockerd, r.better, r.unit])).toEqual([
    ["one process: sequential p50", 5, 6, "lower", "ms"],
    ["split: sequential p50", 9, 6, "lower", "ms"],
    ["one process: sequential CPU ms/create", 3, 4, "lower", ""],
    ["split: sequential CPU ms/create", undefined, 4, "lower", ""],
  ]);
});

it("renders each target's bounds, this run's ratio with both figures, and whether it held", () => {
  const table = renderTargets(evaluateTargets({ one: { "load MB/s": 99 }, dockerd: { "load MB/s": 90 } }, ["one"]));
  expect(table).toContain("| one process: load MB/s | ≥ 1.1× | ≥ 1.3× | 1.10× (99.0 vs 90.0) | yes |");
  expect(table).toContain("| one process: removes/s | ≥ 1.2× | ≥ 1.5× | n/a | not measured |");
});

it("renders a target with a unit as bounds on Slipway's figure, with dockerd's beside it", () => {
  const table = renderTargets(evaluateTargets({ one: { "pull peak RSS MiB": 150 }, dockerd: { "pull peak RSS MiB": 90 } }, ["one"]));
  expect(table).toContain("| one process: pull peak RSS under 200 MB | ≤ 191 MiB | ≤ 191 MiB | 150 MiB (dockerd: 90.0) | yes, aim too |");
});
