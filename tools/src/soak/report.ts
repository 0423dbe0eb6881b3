import type { Disagreement } from "./expected-state.js";
import type { Sample } from "./sampler.js";
import type { WorkloadCounts } from "./workload.js";

export interface SoakResult {
  readonly minutes: number;
  readonly layout: "one" | "split";
  readonly samples: readonly Sample[];
  readonly kills: readonly { readonly at: number; readonly readyAfterSeconds: number; readonly disagreements: readonly Disagreement[] }[];
  readonly counts: WorkloadCounts;
  /** Acknowledged objects at the end, by kind. */
  readonly acknowledged: Record<string, number>;
  /** fsck of the data root once the stack stopped: problems found (0: clean). */
  readonly fsckProblems: readonly string[];
}

/** The soak as a markdown section: the verdict, then RSS, fds and loop delay per window between kills. */
export function formatSoak(result: SoakResult, windowSeconds: number): string {
  const lost = result.kills.flatMap((kill) => kill.disagreements);
  const windows = windowsOf(result.samples, windowSeconds);
  const first = windows[0];
  const last = windows.at(-1);
  const lines = [
    `Soak: ${result.minutes} minutes, layout ${result.layout}, ${result.kills.length} kill -9 of the whole stack.`,
    "",
    `- operations: ${result.counts.ok} acknowledged, ${result.counts.refused} refused with a 4xx, ${result.counts.cut} cut by a kill, ${result.counts.failed} failed${result.counts.failed ? ` (last: ${result.counts.lastFailure})` : ""}`,
    `- acknowledged at the end: ${Object.entries(result.acknowledged)
      .map(([kind, n]) => `${n} ${kind}`)
      .join(", ")}`,
    `- after each kill: ${
      lost.length === 0
        ? "nothing acknowledged lost or brought back"
        : `${lost.length} disagreements: ${lost
            .slice(0, 5)
            .map((d) => `${d.name} (expected ${d.expected})`)
            .join(", ")}`
    }; stack ready after ${result.kills.map((k) => k.readyAfterSeconds.toFixed(1)).join(", ")} s`,
    `- fsck at the end: ${result.fsckProblems.length === 0 ? "clean" : `${result.fsckProblems.length} problems: ${result.fsckProblems.slice(0, 5).join("; ")}`}`,
    first && last
      ? `- growth from the end of the first window to the end: RSS ${signed(last.rssEnd - first.rssEnd)} MiB, fds ${signed(last.fdsEnd - first.fdsEnd)}`
      : "",
    "",
    "| window (min) | RSS MiB (min–max, end) | fds (max, end) | event-loop delay p99, worst (ms) |",
    "|---|---:|---:|---:|",
    ...windows.map(
      (w) =>
        `| ${minutes(w.from)}–${minutes(w.to)} | ${w.rssMin.toFixed(0)}–${w.rssMax.toFixed(0)}, ${w.rssEnd.toFixed(0)} | ${w.fdsMax}, ${w.fdsEnd} | ${w.loopDelayMax.toFixed(1)} |`,
    ),
  ];
  return `${lines.join("\n")}\n`;
}

interface Window {
  from: number;
  to: number;
  rssMin: number;
  rssMax: number;
  rssEnd: number;
  fdsMax: number;
  fdsEnd: number;
  loopDelayMax: number;
}

/** The samples grouped by `seconds` from the start. */
export function windowsOf(samples: readonly Sample[], seconds: number): Window[] {
  const windows = new Map<number, Sample[]>();
  for (const s of samples) {
    const index = Math.floor(s.at / seconds);
    windows.set(index, [...(windows.get(index) ?? []), s]);
  }
  return [...windows].map(([index, group]) => ({
    from: index * seconds,
    to: Math.min((index + 1) * seconds, group.at(-1)!.at),
    rssMin: Math.min(...group.map((s) => s.rssMiB)),
    rssMax: Math.max(...group.map((s) => s.rssMiB)),
    rssEnd: group.at(-1)!.rssMiB,
    fdsMax: Math.max(...group.map((s) => s.fds)),
    fdsEnd: group.at(-1)!.fds,
    loopDelayMax: Math.max(...group.map((s) => s.loopDelayP99Ms)),
  }));
}

const signed = (n: number) => `${n >= 0 ? "+" : ""}${n.toFixed(0)}`;
const minutes = (seconds: number) => String(Math.round(seconds / 6) / 10);
