import { parseArgs } from "node:util";
import { LAYOUTS, type Layout } from "./layouts.js";

/** Sizes of one benchmark run; --quick shrinks them for a smoke run. */
export interface BenchOptions {
  readonly sequentialCreates: number;
  readonly concurrentCreates: number;
  readonly clients: number;
  readonly listPopulations: readonly number[];
  readonly listCalls: number;
  readonly loadMiB: number;
  readonly loadSmallFiles: number;
  /** The pull phase: whether it runs, and the size of the image pulled. */
  readonly withPull: boolean;
  readonly pullMiB: number;
  readonly pullSmallFiles: number;
  /** How many distinct images each engine loads and pulls, interleaved with the other engines' (the figures are their median). */
  readonly rounds: number;
  /** How many removals are measured (the rest are clean-up). */
  readonly removeSample: number;
  readonly withDocker: boolean;
  /** The Slipway layouts measured, each against the same dockerd. */
  readonly layouts: readonly Layout[];
  /** How many creates the cold phase times on each freshly restarted engine. */
  readonly coldCreates: number;
  readonly outDir: string;
  readonly writeDocs: boolean;
}

const FULL = {
  sequentialCreates: 500,
  concurrentCreates: 1000,
  listPopulations: [1000, 10000],
  loadMiB: 500,
  loadSmallFiles: 20000,
  pullMiB: 500,
  pullSmallFiles: 20000,
  rounds: 3,
  removeSample: 1000,
  coldCreates: 300,
};
const QUICK = {
  sequentialCreates: 100,
  concurrentCreates: 200,
  listPopulations: [300, 1000],
  loadMiB: 50,
  loadSmallFiles: 2000,
  pullMiB: 50,
  pullSmallFiles: 2000,
  rounds: 2,
  removeSample: 200,
  coldCreates: 50,
};

export const USAGE = `usage: npm run bench -- [--quick] [--no-docker] [--creates N] [--concurrent N] [--clients N]
                        [--list 1000,10000] [--load-mib N] [--rounds N] [--no-pull] [--layout one|split|both] [--out DIR] [--docs]
  --quick       small sizes for a smoke run (${JSON.stringify(QUICK)})
  --no-docker   measure Slipway alone even when a Docker engine is present
  --rounds N    how many distinct images each engine loads and pulls, the engines interleaved in rotating
                order; the load and pull figures are the rounds' median (the peak RSS, their highest)
  --no-pull     leave out the pull phase (which needs docker-registry and skopeo)
  --layout      which Slipway layouts to measure: one (\`npm start\`, one process), split (\`npm start -- --split\`,
                one process per app) or both (the default), each against the same dockerd
  --split       the same as --layout split
  --docs        write docs/benchmarks.md from this run`;

/** The layouts a --layout value names. */
export function parseLayouts(value: string | undefined, split: boolean): readonly Layout[] {
  if (split && value !== undefined && value !== "split") throw new Error(`--split contradicts --layout ${value}`);
  if (split) return ["split"];
  if (value === undefined || value === "both") return LAYOUTS;
  if ((LAYOUTS as readonly string[]).includes(value)) return [value as Layout];
  throw new Error(`--layout takes one, split or both, got "${value}"`);
}

export function parseBenchOptions(argv: readonly string[], dockerAvailable: boolean): BenchOptions {
  const { values } = parseArgs({
    args: [...argv],
    options: {
      quick: { type: "boolean" },
      "no-docker": { type: "boolean" },
      "no-pull": { type: "boolean" },
      creates: { type: "string" },
      concurrent: { type: "string" },
      clients: { type: "string" },
      list: { type: "string" },
      "load-mib": { type: "string" },
      rounds: { type: "string" },
      out: { type: "string" },
      docs: { type: "boolean" },
      split: { type: "boolean" },
      layout: { type: "string" },
    },
    strict: true,
  });
  const base = values.quick ? QUICK : FULL;
  const count = (flag: string, value: string | undefined, fallback: number) => {
    if (value === undefined) return fallback;
    const n = Number(value);
    if (!Number.isInteger(n) || n < 1) throw new Error(`--${flag} takes a whole number above 0, got "${value}"`);
    return n;
  };
  return {
    sequentialCreates: count("creates", values.creates, base.sequentialCreates),
    concurrentCreates: count("concurrent", values.concurrent, base.concurrentCreates),
    clients: count("clients", values.clients, 8),
    listPopulations: values.list ? values.list.split(",").map((v) => count("list", v, 0)) : base.listPopulations,
    listCalls: 30,
    loadMiB: count("load-mib", values["load-mib"], base.loadMiB),
    loadSmallFiles: base.loadSmallFiles,
    withPull: !values["no-pull"],
    pullMiB: base.pullMiB,
    pullSmallFiles: base.pullSmallFiles,
    rounds: count("rounds", values.rounds, base.rounds),
    removeSample: base.removeSample,
    withDocker: dockerAvailable && !values["no-docker"],
    layouts: parseLayouts(values.layout, values.split ?? false),
    coldCreates: base.coldCreates,
    outDir: values.out ?? `.slipway/bench/${new Date().toISOString().replace(/[:.]/g, "-")}`,
    writeDocs: values.docs ?? false,
  };
}
