import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Readable } from "node:stream";
import { EngineClient } from "../bench/engine-client.js";
import { sampleImage } from "../sample-image/sample-image.js";
import { formatCrash } from "./report.js";
import { crashRound, type RoundOptions, type RoundResult } from "./round.js";
import { dockerdTarget, slipwayTarget, type CrashTarget } from "./targets.js";

// The kill -9 measurement of tools/test/crash-recovery.test.ts as a command, for Slipway in either layout
// and for a throwaway stock dockerd, so that both engines' figures come from the same load and the same checks.

const USAGE = "usage: npm run crash -- [--engine slipway|slipway-split|dockerd (slipway)] [--rounds N (5)] [--clients N (6)] [--watch SECONDS (60)]";

const ENGINES = ["slipway", "slipway-split", "dockerd"] as const;

interface CrashOptions {
  engine: (typeof ENGINES)[number];
  rounds: number;
  clients: number;
  watchSeconds: number;
}

function parseOptions(argv: readonly string[]): CrashOptions {
  const options: CrashOptions = { engine: "slipway", rounds: 5, clients: 6, watchSeconds: 60 };
  for (let i = 0; i < argv.length; i++) {
    const [flag, value] = [argv[i]!, argv[i + 1]];
    const number = () => {
      const n = Number(value);
      if (!(Number.isInteger(n) && n > 0)) throw new Error(`${flag} needs a positive whole number\n${USAGE}`);
      i++;
      return n;
    };
    if (flag === "--engine" && ENGINES.includes(value as CrashOptions["engine"])) {
      options.engine = value as CrashOptions["engine"];
      i++;
    } else if (flag === "--rounds") options.rounds = number();
    else if (flag === "--clients") options.clients = number();
    else if (flag === "--watch") options.watchSeconds = number();
    else throw new Error(`unknown option ${flag}${flag === "--engine" ? ` ${value ?? ""}` : ""}\n${USAGE}`);
  }
  return options;
}

async function startTarget(o: CrashOptions, scratch: string): Promise<CrashTarget> {
  if (o.engine === "dockerd") return dockerdTarget(join(scratch, "dockerd"));
  return slipwayTarget(scratch, o.engine === "slipway-split" ? ["--split"] : []);
}

async function crash(o: CrashOptions): Promise<void> {
  const scratch = mkdtempSync(join(tmpdir(), "slipway-crash-"));
  const image = sampleImage();
  let target = await startTarget(o, scratch);
  const results: RoundResult[] = [];
  try {
    const engine = new EngineClient(target.socketPath);
    const loaded = await engine.call("POST", "/images/load?quiet=1", Readable.from([image.archive]), "application/x-tar");
    engine.close();
    if (loaded.status !== 200) throw new Error(`loading the sample image failed: HTTP ${loaded.status} ${loaded.body}`);
    const roundOptions: RoundOptions = { image: image.reference, clients: o.clients, loadMs: 1_000, watchMs: o.watchSeconds * 1000 };
    for (let round = 1; round <= o.rounds; round++) {
      const next = await crashRound(target, round, roundOptions);
      target = next.target;
      results.push(next.result);
      const r = next.result;
      process.stdout.write(`round ${round}: ${r.acknowledged} acknowledged, ${r.lost.length} lost, ${r.problemsAtReady} fsck problems at ready\n`);
    }
  } finally {
    await target.stop();
    rmSync(scratch, { recursive: true, force: true });
  }
  process.stdout.write(`\n${formatCrash(o.engine, results, o.watchSeconds)}\n`);
  if (results.some((r) => r.lost.length > 0)) process.exitCode = 1;
}

await crash(parseOptions(process.argv.slice(2)));
