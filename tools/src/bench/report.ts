import { LAYOUT_LABELS, type EngineKey, type Layout } from "./layouts.js";
import type { Figures } from "./record.js";
import type { TargetResult } from "./targets.js";

/** One row of the comparison: a figure for Slipway, for dockerd, and which way is better. */
export interface Row {
  readonly figure: string;
  readonly slipway: number | undefined;
  readonly dockerd: number | undefined;
  readonly better: "higher" | "lower";
  readonly unit: string;
}

export function format(value: number | undefined): string {
  if (value === undefined || Number.isNaN(value)) return "n/a";
  return value >= 100 ? value.toFixed(0) : value.toFixed(value >= 10 ? 1 : 2);
}

/** Slipway's advantage as a factor (>1 means Slipway is better), whichever way the figure goes. */
export function advantage(row: Row): number | undefined {
  if (row.slipway === undefined || row.dockerd === undefined || !row.slipway || !row.dockerd) return undefined;
  return row.better === "higher" ? row.slipway / row.dockerd : row.dockerd / row.slipway;
}

/**
 * A row per figure and layout ("one process: sequential creates/s", "split: sequential creates/s", ...),
 * each against dockerd's figure of the same run.
 */
export function comparisonRows(figures: Partial<Record<EngineKey, Figures>>, layouts: readonly Layout[]): Row[] {
  const lowerIsBetter = (name: string) => !/creates\/s|MB\/s|removes\/s/.test(name);
  // Latencies only: every other figure names its unit ("creates/s", "MiB", "seconds", "CPU ms/create", ...).
  const units = (name: string) => (/ p\d\d$/.test(name) ? "ms" : "");
  const names = Object.keys(Object.assign({}, ...layouts.map((layout) => figures[layout]), figures.dockerd));
  return names.flatMap((name) =>
    layouts.map((layout) => ({
      figure: `${LAYOUT_LABELS[layout]}: ${name}`,
      slipway: figures[layout]?.[name],
      dockerd: figures.dockerd?.[name],
      better: lowerIsBetter(name) ? ("lower" as const) : ("higher" as const),
      unit: units(name),
    })),
  );
}

/** A markdown table, readable in a terminal too. */
export function renderTable(rows: readonly Row[]): string {
  const lines = ["| figure | Slipway | dockerd | Slipway advantage |", "|---|---:|---:|---:|"];
  for (const row of rows) {
    const factor = advantage(row);
    lines.push(
      `| ${row.figure}${row.unit ? ` (${row.unit})` : ""} | ${format(row.slipway)} | ${format(row.dockerd)} | ${factor === undefined ? "n/a" : `${factor.toFixed(2)}×`} |`,
    );
  }
  return lines.join("\n");
}

const VERDICTS: Record<TargetResult["verdict"], string> = { aim: "yes, aim too", must: "yes", no: "**no**", "not measured": "not measured" };

/** This run's side of a target: the ratio with both figures, or Slipway's figure in the target's unit. */
function judgedRun({ target, slipway, dockerd, judged }: TargetResult): string {
  if (judged === undefined) return "n/a";
  if (target.unit !== undefined) return `${format(slipway)} ${target.unit} (dockerd: ${format(dockerd)})`;
  return `${judged.toFixed(2)}× (${format(slipway)} vs ${format(dockerd)})`;
}

/** Which targets held in this run: each as Slipway / dockerd (or Slipway's figure), against its floor (must) and goal (aim). */
export function renderTargets(results: readonly TargetResult[]): string {
  const lines = [
    "| target (Slipway / dockerd, or Slipway's figure where a unit is given) | must | aim | this run | holds? |",
    "|---|---:|---:|---:|---|",
  ];
  for (const result of results) {
    const { target, layout, verdict } = result;
    const bound = (n: number) => `${target.better === "lower" ? "≤" : "≥"} ${target.unit === undefined ? `${n}×` : `${format(n)} ${target.unit}`}`;
    lines.push(
      `| ${LAYOUT_LABELS[layout]}: ${target.name} | ${bound(target.must)} | ${bound(target.aim)} | ${judgedRun(result)} | ${VERDICTS[verdict]} |`,
    );
  }
  return lines.join("\n");
}
