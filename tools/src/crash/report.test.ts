import { describe, expect, it } from "vitest";
import { formatCrash } from "./report.js";

describe("the crash measurement's report", () => {
  it("has a row per round, the rounds that did not get clean, the totals, and the problems the last round left", () => {
    const text = formatCrash(
      "dockerd",
      [
        { acknowledged: 60, lost: [], readySeconds: 1.52, problemsAtReady: 3, cleanAfterSeconds: 0, problemsLeft: [] },
        {
          acknowledged: 70,
          lost: ["crash-2-9"],
          readySeconds: 2,
          problemsAtReady: 2,
          cleanAfterSeconds: undefined,
          problemsLeft: ["volumes: v: _data is missing"],
        },
      ],
      60,
    );
    expect(text.split("\n")).toEqual([
      "kill -9 of dockerd under create load, 2 rounds",
      "",
      "| round | acknowledged | lost | ready after kill (s) | fsck problems at ready | fsck clean after (s) |",
      "|---|---|---|---|---|---|",
      "| 1 | 60 | 0 | 1.5 | 3 | 0.0 |",
      "| 2 | 70 | 1 | 2.0 | 2 | not within 60 s (1 left) |",
      "",
      "total: 130 acknowledged, 1 lost, 1 fsck problems in the data root at the end",
      "  volumes: v: _data is missing",
    ]);
  });
});
