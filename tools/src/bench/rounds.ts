import type { Engine } from "./engines.js";
import type { EngineKey } from "./layouts.js";
import type { Figures, RunRecord } from "./record.js";

/** The engines in the order round `round` (from 0) takes them: rotated, so that each engine takes each place in turn. */
export function roundOrder<T>(engines: readonly T[], round: number): T[] {
  const shift = engines.length === 0 ? 0 : round % engines.length;
  return [...engines.slice(shift), ...engines.slice(0, shift)];
}

export function median(values: readonly number[]): number {
  if (values.length === 0) return NaN;
  const sorted = [...values].sort((a, b) => a - b);
  const middle = Math.floor(sorted.length / 2);
  return sorted.length % 2 === 1 ? sorted[middle]! : (sorted[middle - 1]! + sorted[middle]!) / 2;
}

/** How the rounds of a figure become the figure: their median, or their highest (a peak stays a peak). */
export type RoundSummary = "median" | "highest";

/** Each engine's figures over the rounds, summarized per figure. */
export function summarizeRounds(samples: readonly Figures[], summaries: Readonly<Record<string, RoundSummary>>): Figures {
  const figures: Figures = {};
  for (const [name, summary] of Object.entries(summaries)) {
    const values = samples.map((sample) => sample[name]).filter((v): v is number => v !== undefined && Number.isFinite(v));
    figures[name] = values.length === 0 ? undefined : summary === "highest" ? Math.max(...values) : Math.round(median(values) * 1000) / 1000;
  }
  return figures;
}

/** A phase measured in rounds: what one engine's round measures, and how its figures are summarized. */
export interface RoundedPhase {
  readonly name: string;
  readonly rounds: number;
  readonly summaries: Readonly<Record<string, RoundSummary>>;
  /** Before round `round`'s engines: makes the round's distinct image. */
  prepare(round: number): Promise<void>;
  measure(engine: Engine, round: number): Promise<Figures>;
  /** After round `round`'s engines, whatever failed. */
  finish?(round: number): Promise<void>;
}

/**
 * Runs a phase `rounds` times on every engine, interleaved and in rotating order, so that a slow stretch of the
 * machine falls on every engine alike; records each engine's summary and, as a note, every round's figure.
 */
export async function measureInRounds(engines: readonly Engine[], phase: RoundedPhase, record: RunRecord): Promise<void> {
  const samples = new Map<EngineKey, Figures[]>();
  for (let round = 0; round < phase.rounds; round++) {
    await phase.prepare(round);
    try {
      for (const engine of roundOrder(engines, round)) {
        const figures = await phase.measure(engine, round);
        samples.set(engine.key, [...(samples.get(engine.key) ?? []), figures]);
      }
    } finally {
      await phase.finish?.(round);
    }
  }
  for (const engine of engines) record.add(engine.key, summarizeRounds(samples.get(engine.key) ?? [], phase.summaries));
  record.notes.push(roundsNote(engines, phase, samples));
}

function roundsNote(engines: readonly Engine[], phase: RoundedPhase, samples: ReadonlyMap<EngineKey, Figures[]>): string {
  const perFigure = Object.entries(phase.summaries).map(([name, summary]) => {
    const perEngine = engines.map((engine) => {
      const values = (samples.get(engine.key) ?? []).map((sample) => Math.round((sample[name] ?? NaN) * 10) / 10);
      return `${engine.label} ${values.join(", ")}`;
    });
    return `${name} (${summary}): ${perEngine.join("; ")}`;
  });
  return `${phase.name}: ${phase.rounds} rounds, each a distinct image taken by every engine in rotating order, nothing deleted between them. ${perFigure.join(". ")}.`;
}
