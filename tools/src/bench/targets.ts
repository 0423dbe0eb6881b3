import { LAYOUTS, type EngineKey, type Layout } from "./layouts.js";
import type { Figures } from "./record.js";

/**
 * A speed target: Slipway's figure over dockerd's in the same run (or, where a unit is given, Slipway's figure
 * itself), in the given layouts, with the floor that must hold and the goal aimed at.
 */
export interface SpeedTarget {
  readonly name: string;
  readonly layouts: readonly Layout[];
  /** The figure compared, as named in the run's table. */
  readonly figure: string;
  readonly better: "higher" | "lower";
  readonly must: number;
  readonly aim: number;
  /** Where given, `must` and `aim` bound Slipway's own figure, in this unit, whatever dockerd's. */
  readonly unit?: string;
}

/** 200 MB in the MiB of the memory figures. */
const MIB_IN_200_MB = 200e6 / 2 ** 20;

/** The targets of the speed work, each a ratio Slipway / dockerd unless it has a unit. Where no layout is named, each layout is held to it. */
export const SPEED_TARGETS: readonly SpeedTarget[] = [
  { name: "CPU per create (8 clients)", layouts: ["one"], figure: "concurrent CPU ms/create", better: "lower", must: 0.7, aim: 0.5 },
  { name: "8-client throughput", layouts: ["one"], figure: "concurrent creates/s", better: "higher", must: 1.5, aim: 2 },
  { name: "sequential p50", layouts: ["one"], figure: "sequential p50", better: "lower", must: 0.8, aim: 0.6 },
  { name: "CPU per create (8 clients)", layouts: ["split"], figure: "concurrent CPU ms/create", better: "lower", must: 1, aim: 0.8 },
  { name: "8-client throughput", layouts: ["split"], figure: "concurrent creates/s", better: "higher", must: 1, aim: 1.25 },
  { name: "sequential p50", layouts: ["split"], figure: "sequential p50", better: "lower", must: 1.2, aim: 1 },
  { name: "cold: first creates after start, rate", layouts: LAYOUTS, figure: "cold creates/s", better: "higher", must: 1, aim: 1.5 },
  { name: "removes/s", layouts: LAYOUTS, figure: "removes/s", better: "higher", must: 1.2, aim: 1.5 },
  { name: "load MB/s", layouts: LAYOUTS, figure: "load MB/s", better: "higher", must: 1.1, aim: 1.3 },
  { name: "pull MB/s", layouts: LAYOUTS, figure: "pull MB/s", better: "higher", must: 1.5, aim: 1.5 },
  {
    name: "pull peak RSS under 200 MB",
    layouts: LAYOUTS,
    figure: "pull peak RSS MiB",
    better: "lower",
    must: MIB_IN_200_MB,
    aim: MIB_IN_200_MB,
    unit: "MiB",
  },
];

/** "aim": the aim holds (and so the floor); "must": only the floor; "no": not even the floor. */
export type Verdict = "aim" | "must" | "no" | "not measured";

export interface TargetResult {
  readonly target: SpeedTarget;
  readonly layout: Layout;
  readonly slipway: number | undefined;
  readonly dockerd: number | undefined;
  /** Slipway / dockerd. */
  readonly ratio: number | undefined;
  /** What the bounds are held against: the ratio, or Slipway's figure for a target with a unit. */
  readonly judged: number | undefined;
  readonly verdict: Verdict;
}

function holds(ratio: number, bound: number, better: SpeedTarget["better"]): boolean {
  return better === "higher" ? ratio >= bound : ratio <= bound;
}

function measured(value: number | undefined): value is number {
  return value !== undefined && Number.isFinite(value) && value > 0;
}

function evaluate(target: SpeedTarget, layout: Layout, slipway: number | undefined, dockerd: number | undefined): TargetResult {
  const ratio = measured(slipway) && measured(dockerd) ? slipway / dockerd : undefined;
  const judged = target.unit === undefined ? ratio : measured(slipway) ? slipway : undefined;
  const verdict: Verdict =
    judged === undefined
      ? "not measured"
      : holds(judged, target.aim, target.better)
        ? "aim"
        : holds(judged, target.must, target.better)
          ? "must"
          : "no";
  return { target, layout, slipway, dockerd, ratio, judged, verdict };
}

/** Every target of the layouts measured, judged on one run's figures. */
export function evaluateTargets(figures: Partial<Record<EngineKey, Figures>>, layouts: readonly Layout[]): TargetResult[] {
  return SPEED_TARGETS.flatMap((target) =>
    target.layouts
      .filter((layout) => layouts.includes(layout))
      .map((layout) => evaluate(target, layout, figures[layout]?.[target.figure], figures.dockerd?.[target.figure])),
  );
}
