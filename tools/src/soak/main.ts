import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Readable } from "node:stream";
import { EngineClient } from "../bench/engine-client.js";
import { checkDataRoot } from "../fsck/checks.js";
import { readDataRoot } from "../fsck/data-root.js";
import { sampleImage } from "../sample-image/sample-image.js";
import { launchStack, localStackEnv, untilUp, type LocalStack } from "../stack/local-stack.js";
import { formatSoak, type SoakResult } from "./report.js";
import { sample, type Sample } from "./sampler.js";
import { Workload } from "./workload.js";

const USAGE = "usage: npm run soak -- [--minutes N (60)] [--kill-every N minutes (10)] [--rate OPS_PER_SECOND (20)] [--split] [--keep]";

interface SoakOptions {
  minutes: number;
  killEveryMinutes: number;
  rate: number;
  split: boolean;
  /** Keep the data root for inspection instead of removing it. */
  keep: boolean;
}

function parseOptions(argv: readonly string[]): SoakOptions {
  const options: SoakOptions = { minutes: 60, killEveryMinutes: 10, rate: 20, split: false, keep: false };
  for (let i = 0; i < argv.length; i++) {
    const [flag, value] = [argv[i]!, argv[i + 1]];
    const number = () => {
      const n = Number(value);
      if (!(n > 0)) throw new Error(`${flag} needs a positive number\n${USAGE}`);
      i++;
      return n;
    };
    if (flag === "--minutes") options.minutes = number();
    else if (flag === "--kill-every") options.killEveryMinutes = number();
    else if (flag === "--rate") options.rate = number();
    else if (flag === "--split") options.split = true;
    else if (flag === "--keep") options.keep = true;
    else throw new Error(`unknown option ${flag}\n${USAGE}`);
  }
  return options;
}

const SAMPLE_SECONDS = 10;
const CONCURRENCY = 4;

/** The stack's processes: the launcher and each app's (from the pid files in the run root). */
const pidsOf = (stack: LocalStack) => [stack.launcher.pid!, ...Object.values(stack.pids())];

/** SIGKILL to every process of the stack. */
function killAll(stack: LocalStack): void {
  for (const pid of pidsOf(stack)) {
    try {
      process.kill(pid, "SIGKILL");
    } catch {
      // already gone
    }
  }
}

/** Names the engine lists, for the reconciliation after a restart. */
async function listed(engine: EngineClient): Promise<{ containers: Set<string>; volumes: Set<string>; tags: Set<string> }> {
  const containers = JSON.parse((await engine.call("GET", "/containers/json?all=1")).body) as { Names: string[] }[];
  const volumes = JSON.parse((await engine.call("GET", "/volumes")).body) as { Volumes: { Name: string }[] | null };
  const images = JSON.parse((await engine.call("GET", "/images/json")).body) as { RepoTags: string[] | null }[];
  return {
    containers: new Set(containers.flatMap((c) => c.Names.map((n) => n.slice(1)))),
    volumes: new Set((volumes.Volumes ?? []).map((v) => v.Name)),
    tags: new Set(images.flatMap((i) => (i.RepoTags ?? []).filter((t) => t.startsWith("soak-tag:")).map((t) => t.slice("soak-tag:".length)))),
  };
}

async function soak(o: SoakOptions): Promise<void> {
  const root = mkdtempSync(join(tmpdir(), "slipway-soak-"));
  const { env, addresses } = await localStackEnv(root);
  env.SLIPWAY_LOOP_DELAY_REPORT_SECONDS = String(SAMPLE_SECONDS);
  let stack = await untilUp(launchStack(root, env, addresses, o.split ? ["--split"] : []), 120_000);
  let engine = new EngineClient(stack.socketPath);
  const archive = sampleImage().archive;
  const load = await engine.call("POST", "/images/load?quiet=1", Readable.from([archive]), "application/x-tar");
  if (load.status !== 200) throw new Error(`loading the sample image failed: HTTP ${load.status} ${load.body}`);
  const workload = new Workload(engine, archive);
  const started = Date.now();
  const elapsed = () => (Date.now() - started) / 1000;
  const samples: Sample[] = [];
  const kills: SoakResult["kills"][number][] = [];
  let logOffset = 0;
  const takeSample = () => {
    if (workload.killing) return; // the stack is down or starting: nothing to measure
    const log = stack.output();
    samples.push(sample(elapsed(), pidsOf(stack), log.slice(logOffset).split("\n")));
    logOffset = log.length;
  };
  const sampler = setInterval(takeSample, SAMPLE_SECONDS * 1000);
  let nextKill = o.killEveryMinutes * 60;
  const end = o.minutes * 60;
  process.stdout.write(`soak: ${o.minutes} min at ${o.rate} ops/s, kill -9 every ${o.killEveryMinutes} min, data root ${stack.dataRoot}\n`);
  /** kill -9 in the middle of the work (operations in flight are cut), restart, then check what survived. */
  const killCycle = async () => {
    workload.killing = true;
    const killedAt = elapsed();
    killAll(stack);
    workload.paused = true;
    await stack.exited;
    await new Promise((resolve) => setTimeout(resolve, 500)); // the cut operations settle
    stack = await untilUp(launchStack(stack.root, stack.env, stack.addresses, stack.args), 120_000);
    logOffset = 0;
    engine.close();
    engine = new EngineClient(stack.socketPath);
    workload.useEngine(engine);
    const readyAfterSeconds = elapsed() - killedAt;
    const now = await listed(engine);
    const disagreements = [
      ...workload.containers.reconcile(now.containers),
      ...workload.volumes.reconcile(now.volumes),
      ...workload.tags.reconcile(now.tags),
    ];
    kills.push({ at: killedAt, readyAfterSeconds, disagreements });
    Object.assign(workload, { killing: false, paused: false });
    process.stdout.write(
      `  ${(killedAt / 60).toFixed(1)} min: killed and restarted in ${readyAfterSeconds.toFixed(1)} s; ${disagreements.length} disagreements\n`,
    );
  };
  let killing: Promise<void> | undefined;
  while (elapsed() < end) {
    if (!killing && elapsed() >= nextKill) {
      // A moment into the next batch, so that operations in flight are cut.
      killing = new Promise((resolve) => setTimeout(resolve, Math.random() * 150)).then(killCycle).finally(() => (killing = undefined));
      nextKill += o.killEveryMinutes * 60;
    }
    const batchStart = Date.now();
    await Promise.all(Array.from({ length: CONCURRENCY }, () => workload.step()));
    const pause = (CONCURRENCY / o.rate) * 1000 - (Date.now() - batchStart);
    if (pause > 0) await new Promise((resolve) => setTimeout(resolve, pause));
  }
  await killing;
  clearInterval(sampler);
  takeSample();
  engine.close();
  await stack.stop();
  const report = checkDataRoot(readDataRoot(stack.dataRoot));
  const result: SoakResult = {
    minutes: o.minutes,
    layout: o.split ? "split" : "one",
    samples,
    kills,
    counts: workload.counts,
    acknowledged: {
      containers: workload.containers.counts().present,
      "named volumes": workload.volumes.counts().present,
      tags: workload.tags.counts().present,
    },
    fsckProblems: report.problems.map((p) => `${p.check}: ${p.subject}: ${p.detail}`),
  };
  writeFileSync(join(root, "soak.json"), JSON.stringify(result, null, 2));
  process.stdout.write(`\n${formatSoak(result, o.killEveryMinutes * 60)}\nsamples: ${join(root, "soak.json")}\n`);
  if (!o.keep) rmSync(join(root, "data"), { recursive: true, force: true });
  if (report.problems.length > 0 || kills.some((k) => k.disagreements.length > 0) || workload.counts.failed > 0) process.exitCode = 1;
}

try {
  await soak(parseOptions(process.argv.slice(2)));
} catch (err) {
  process.stderr.write(`soak: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exitCode = 2;
}
