import { expect, it } from "vitest";
import type { Layout } from "./layouts.js";
import { evaluateTargets, SPEED_TARGETS } from "./targets.js";

/** The judgement of one target on a run where Slipway (in `layout`) and dockerd gave these values of its figure. */
function judge(layout: Layout, name: string, slipway: number | undefined, dockerd: number | undefined) {
  const target = SPEED_TARGETS.find((t) => t.name === name && t.layouts.includes(layout))!;
  const results = evaluateTargets({ [layout]: { [target.figure]: slipway }, dockerd: { [target.figure]: dockerd } }, [layout]);
  return results.find((r) => r.target === target && r.layout === layout)!;
}

it("judges a lower-is-better ratio against the aim and the floor", () => {
  expect(judge("one", "CPU per create (8 clients)", 2, 4)).toMatchObject({ ratio: 0.5, verdict: "aim" });
  expect(judge("one", "CPU per create (8 clients)", 2.8, 4)).toMatchObject({ ratio: 0.7, verdict: "must" });
  expect(judge("one", "CPU per create (8 clients)", 2.9, 4).verdict).toBe("no");
});

it("judges a higher-is-better ratio against the aim and the floor", () => {
  expect(judge("split", "8-client throughput", 250, 200)).toMatchObject({ ratio: 1.25, verdict: "aim" });
  expect(judge("split", "8-client throughput", 200, 200).verdict).toBe("must");
  expect(judge("split", "8-client throughput", 199, 200).verdict).toBe("no");
});

it("says a target was not measured when either side lacks the figure", () => {
  expect(judge("one", "load MB/s", 90, undefined)).toMatchObject({ slipway: 90, dockerd: undefined, ratio: undefined, verdict: "not measured" });
  expect(judge("one", "removes/s", NaN, 100).verdict).toBe("not measured");
});

it("lists the targets of the layouts measured only, holding each layout to the targets that name none", () => {
  const perLayout = (layout: Layout) => SPEED_TARGETS.filter((t) => t.layouts.includes(layout)).length;
  expect(evaluateTargets({}, ["split"])).toHaveLength(perLayout("split"));
  expect(evaluateTargets({}, ["one", "split"])).toHaveLength(perLayout("one") + perLayout("split"));
  expect(
    evaluateTargets({}, ["one", "split"])
      .filter((r) => r.target.name === "removes/s")
      .map((r) => r.layout),
  ).toEqual(["one", "split"]);
});

it("holds a target with a unit to Slipway's own figure, whatever dockerd's", () => {
  expect(judge("one", "pull peak RSS under 200 MB", 150, 90)).toMatchObject({ judged: 150, verdict: "aim" });
  expect(judge("split", "pull peak RSS under 200 MB", 191, 400)).toMatchObject({ judged: 191, verdict: "no" });
  expect(judge("one", "pull peak RSS under 200 MB", 180, undefined).verdict).toBe("aim");
  expect(judge("one", "pull peak RSS under 200 MB", undefined, 90).verdict).toBe("not measured");
});

it("wants pulls at 1.5 times dockerd's rate", () => {
  expect(judge("one", "pull MB/s", 150, 100).verdict).toBe("aim");
  expect(judge("split", "pull MB/s", 149, 100).verdict).toBe("no");
});
