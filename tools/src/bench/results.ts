import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import type { CpuUse } from "./cpu.js";
import { spliceLastRun } from "./docs.js";
import { CPU_SCOPE } from "./engines.js";
import { LAYOUT_LABELS, type EngineKey } from "./layouts.js";
import { log } from "./log.js";
import type { Machine } from "./machine.js";
import type { BenchOptions } from "./options.js";
import type { Figures, RunRecord } from "./record.js";
import { comparisonRows, renderTable, renderTargets } from "./report.js";
import { evaluateTargets, type TargetResult } from "./targets.js";

const REPO_ROOT = resolve(fileURLToPath(import.meta.url), "../../../..");

/** Everything a run measured, as written to results.json. */
interface RawResults {
  readonly date: string;
  readonly command: string;
  readonly machine: Machine;
  readonly options: BenchOptions;
  readonly figures: Partial<Record<EngineKey, Figures>>;
  /** The CPU each engine's processes used in each measured phase. */
  readonly cpu: Partial<Record<EngineKey, Record<string, CpuUse>>>;
  readonly cpuScope: typeof CPU_SCOPE;
  readonly targets: readonly TargetResult[];
  readonly notes: readonly string[];
}

/** How the figures were taken, printed under the tables. */
function methodNotes(options: BenchOptions, record: RunRecord): string[] {
  const processes = options.layouts
    .map((layout) => `${LAYOUT_LABELS[layout]}: ${record.cpu[layout]?.["concurrent creates"]?.processes ?? "?"}`)
    .join(", ");
  const dockerd = options.withDocker ? `, and of ${CPU_SCOPE.dockerd}` : "";
  return [
    `CPU figures: user + system time from /proc (schedstat ns of each thread; clock ticks of /proc/<pid>/stat where a thread ended meanwhile; plus the clock ticks of the children a process waited for meanwhile) of ${CPU_SCOPE.slipway} (processes: ${processes})${dockerd}.`,
    ...(options.withDocker
      ? [
          "dockerd is measured once: each layout's rows compare with the same dockerd figures. The host's dockerd also serves whoever else uses it meanwhile, and its figures include that work.",
        ]
      : []),
    `cold: the first ${options.coldCreates} creates (a third one at a time, then ${options.clients} clients) of an engine restarted on a fresh data root holding only the image: a fresh npm start for Slipway${options.withDocker ? ", a throwaway second dockerd (its own data root, socket and bridge) for dockerd, as the host's is never restarted" : ""}.`,
    ...record.notes,
  ];
}

function machineLines(machine: Machine): string {
  return Object.entries(machine)
    .map(([key, value]) => `- ${key}: ${String(value)}`)
    .join("\n");
}

/** Prints the tables, writes results.json and, with --docs, the "last run" section of docs/benchmarks.md. */
export function report(options: BenchOptions, machine: Machine, record: RunRecord): void {
  const table = renderTable(comparisonRows(record.figures, options.layouts));
  const targets = evaluateTargets(record.figures, options.layouts);
  const notes = methodNotes(options, record);
  const command = ["npm run bench", ...(process.argv.length > 2 ? ["--", ...process.argv.slice(2)] : [])].join(" ");
  const raw: RawResults = {
    date: new Date().toISOString(),
    command,
    machine,
    options,
    figures: record.figures,
    cpu: record.cpu,
    cpuScope: CPU_SCOPE,
    targets,
    notes,
  };
  const resultsPath = join(options.outDir, "results.json");
  writeFileSync(resultsPath, `${JSON.stringify(raw, null, 2)}\n`);
  const body = [table, `Targets (this run):\n\n${renderTargets(targets)}`, notes.map((note) => `- ${note}`).join("\n")];
  process.stdout.write(`\n${body.join("\n\n")}\n\n${machineLines(machine)}\nraw results: ${resultsPath}\n`);
  if (options.writeDocs) writeDocs(raw, body);
}

/** Rewrites the generated "last run" section of docs/benchmarks.md; the hand-written sections stay. */
function writeDocs(raw: RawResults, body: readonly string[]): void {
  const path = join(REPO_ROOT, "docs", "benchmarks.md");
  mkdirSync(join(REPO_ROOT, "docs"), { recursive: true });
  const section = [
    `## Last full run`,
    `${raw.date}, command \`${raw.command}\` (sizes: \`${JSON.stringify({ ...raw.options, outDir: undefined, writeDocs: undefined })}\`).`,
    `Machine:\n\n${machineLines(raw.machine)}`,
    ...body,
  ].join("\n\n");
  writeFileSync(path, spliceLastRun(existsSync(path) ? readFileSync(path, "utf8") : undefined, section));
  log(`wrote ${path}`);
}
