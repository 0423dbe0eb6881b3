import { describe, expect, it } from "vitest";
import { formatSoak, windowsOf } from "./report.js";

const samples = [
  { at: 10, rssMiB: 100, fds: 50, loopDelayP99Ms: 3 },
  { at: 590, rssMiB: 120, fds: 60, loopDelayP99Ms: 9 },
  { at: 610, rssMiB: 90, fds: 40, loopDelayP99Ms: 30 },
  { at: 1190, rssMiB: 118, fds: 61, loopDelayP99Ms: 4 },
];

describe("the soak's report", () => {
  it("groups samples into windows with their range, end and worst delay", () => {
    expect(windowsOf(samples, 600)).toEqual([
      { from: 0, to: 590, rssMin: 100, rssMax: 120, rssEnd: 120, fdsMax: 60, fdsEnd: 60, loopDelayMax: 9 },
      { from: 600, to: 1190, rssMin: 90, rssMax: 118, rssEnd: 118, fdsMax: 61, fdsEnd: 61, loopDelayMax: 30 },
    ]);
  });

  it("states the verdict: operations, what survived each kill, fsck, growth after the first window", () => {
    const text = formatSoak(
      {
        minutes: 20,
        layout: "one",
        samples,
        kills: [{ at: 600, readyAfterSeconds: 2.5, disagreements: [] }],
        counts: { ok: 100, refused: 2, cut: 1, failed: 0, lastFailure: "" },
        acknowledged: { containers: 40 },
        fsckProblems: [],
      },
      600,
    );
    expect(text).toContain("- operations: 100 acknowledged, 2 refused with a 4xx, 1 cut by a kill, 0 failed\n");
    expect(text).toContain("- after each kill: nothing acknowledged lost or brought back; stack ready after 2.5 s\n");
    expect(text).toContain("- fsck at the end: clean\n");
    expect(text).toContain("- growth from the end of the first window to the end: RSS -2 MiB, fds +1\n");
    expect(text).toContain("| 10–19.8 | 90–118, 118 | 61, 61 | 30.0 |\n");
  });
});
