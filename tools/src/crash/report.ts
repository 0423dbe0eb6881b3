import type { RoundResult } from "./round.js";

/** The crash measurement as a markdown table, one row per round, and a total line. */
export function formatCrash(engine: string, results: readonly RoundResult[], watchSeconds: number): string {
  const rows = results.map((r, i) =>
    [
      i + 1,
      r.acknowledged,
      r.lost.length,
      r.readySeconds.toFixed(1),
      r.problemsAtReady,
      r.cleanAfterSeconds === undefined ? `not within ${watchSeconds} s (${r.problemsLeft.length} left)` : r.cleanAfterSeconds.toFixed(1),
    ].join(" | "),
  );
  const sum = (pick: (r: RoundResult) => number) => results.reduce((n, r) => n + pick(r), 0);
  // The data root carries over from round to round: what the last watch ended with is what the engine keeps.
  const left = results.at(-1)?.problemsLeft ?? [];
  return [
    `kill -9 of ${engine} under create load, ${results.length} rounds`,
    "",
    "| round | acknowledged | lost | ready after kill (s) | fsck problems at ready | fsck clean after (s) |",
    "|---|---|---|---|---|---|",
    ...rows.map((row) => `| ${row} |`),
    "",
    `total: ${sum((r) => r.acknowledged)} acknowledged, ${sum((r) => r.lost.length)} lost, ${left.length} fsck problems in the data root at the end`,
    ...left.slice(0, 10).map((problem) => `  ${problem}`),
  ].join("\n");
}
