import { execFileSync } from "node:child_process";
import { createReadStream, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { Readable } from "node:stream";
import { fileURLToPath } from "node:url";
import { createClient, waitUntilServing } from "@slipway/grpc-kit";
import { orchestrator } from "@slipway/proto";
import { sampleImage } from "../sample-image/sample-image.js";
import { launchStack, localStackEnv, startLocalStack, untilUp, type LocalStack } from "../stack/local-stack.js";
import { writeBigImage } from "./big-image.js";
import { spliceLastRun } from "./docs.js";
import { describeMachine, recordEndLoad, type Machine } from "./machine.js";
import { parseBenchOptions, USAGE, type BenchOptions } from "./options.js";
import { renderTable, type Row } from "./report.js";
import { benchContainerIds, createFootprint, createMany, listLatency, loadArchive, removeBenchContainers, removeMeasured } from "./scenarios.js";
import { measure, type RunStats } from "./stats.js";
import { dockerAvailable, dockerdTarget, slipwayTarget, type Target } from "./targets.js";

const REPO_ROOT = resolve(fileURLToPath(import.meta.url), "../../../..");
const GOLDEN = "golden:1";
const SAMPLE_IMAGE = "slipway-sample:1";
type Figures = Record<string, number | undefined>;

const log = (message: string) => process.stdout.write(`bench: ${message}\n`);

/**
 * The image every create uses: golden:1, built by the Docker engine being compared (and loaded into
 * Slipway), so both sides create from the same image. Without an engine there is nothing to build it
 * with, and Slipway alone creates from the generated sample image (also layers and a VOLUME).
 */
async function prepareCreateImage(targets: Target[], scratch: string): Promise<string> {
  if (!targets.some((t) => t.name === "dockerd")) {
    const sample = sampleImage();
    log(`no Docker engine to build ${GOLDEN} with: creating from the generated sample image ${SAMPLE_IMAGE}`);
    for (const target of targets) await target.client.load(Readable.from([sample.archive]));
    return SAMPLE_IMAGE;
  }
  const archive = join(scratch, "golden.tar");
  execFileSync("bash", [join(REPO_ROOT, "tools/golden/build-golden-image.sh"), archive], { stdio: "inherit" });
  for (const target of targets.filter((t) => t.name !== "dockerd")) await target.client.load(createReadStream(archive));
  return GOLDEN;
}

function stats(prefix: string, s: RunStats): Figures {
  return { [`${prefix} creates/s`]: s.perSecond, [`${prefix} p50`]: s.p50, [`${prefix} p90`]: s.p90, [`${prefix} p99`]: s.p99 };
}

/**
 * Each engine's load and creates start on flushed filesystems, not behind the writeback of what came
 * before (the generated archive, the other engine's files, an image just deleted: creating files is
 * several times slower right after a large delete on ext4 mounted with `discard`).
 */
function flushFilesystems(): void {
  execFileSync("sync");
}

/**
 * Filling the first list population (1,000) comes first and is not timed: it also warms each engine up, as
 * V8 optimises Slipway's create path over the first thousand or so creates of a fresh stack.
 */
async function runCreates(target: Target, image: string, o: BenchOptions): Promise<Figures> {
  flushFilesystems();
  const firstList = await listAt(target, image, o.listPopulations[0]!, o);
  log(`${target.name}: ${o.sequentialCreates} sequential creates`);
  const sequential = await createMany(target, image, "seq-", o.sequentialCreates, 1);
  log(`${target.name}: ${o.concurrentCreates} creates with ${o.clients} clients`);
  const concurrent = await createMany(target, image, "conc-", o.concurrentCreates, o.clients);
  const footprint = await createFootprint(target, image, 20);
  return {
    ...stats("sequential", sequential),
    ...stats("concurrent", concurrent),
    "inodes/container": footprint.inodes,
    "KiB/container": footprint.bytes / 1024,
    ...firstList,
  };
}

/** The lists at the populations after the first (which runCreates measures). */
async function runLists(target: Target, image: string, o: BenchOptions): Promise<Figures> {
  const figures: Figures = {};
  for (const population of o.listPopulations.slice(1)) Object.assign(figures, await listAt(target, image, population, o));
  return figures;
}

/** Tops the containers up to `population` (not timed), then times the list. */
async function listAt(target: Target, image: string, population: number, o: BenchOptions): Promise<Figures> {
  const present = await target.client.listAll();
  if (present < population) {
    log(`${target.name}: topping up to ${population} containers`);
    await createMany(target, image, `top${population}-`, population - present, o.clients);
  }
  const list = await listLatency(target, o.listCalls);
  return { [`list ${population} p50`]: list.p50, [`list ${population} p99`]: list.p99 };
}

async function grpcCreates(stack: LocalStack, image: string, count: number): Promise<Figures> {
  const client = createClient(orchestrator.OrchestratorServiceService, stack.addresses.orchestrator, { name: "orchestrator" });
  const body = Buffer.from(JSON.stringify({ Image: image }));
  const run = await measure(count, 1, (i) => client.createContainer({ name: `bench-grpc-${i}`, createRequestJson: body, apiVersion: "1.41" }));
  client.close();
  return { "gRPC sequential creates/s": run.perSecond, "gRPC sequential p50": run.p50 };
}

const STORES = ["layer-store", "image-store", "container-config"] as const;

/** Restarts the stack on the same data root: when the three stores serve, and when all five apps do. */
async function restartTime(stack: LocalStack): Promise<{ stack: LocalStack; storesSeconds: number; stackSeconds: number }> {
  await stack.stop();
  const started = performance.now();
  const { env, addresses, root } = await localStackEnv(stack.root);
  const launched = launchStack(root, env, addresses, stack.args);
  const storesServing = Promise.all(STORES.map((name) => waitUntilServing(addresses[name], 120_000))).then((serving) => {
    if (serving.includes(false)) throw new Error(`the stores were not serving within 120 s of a restart:\n${launched.output()}`);
    return (performance.now() - started) / 1000;
  });
  const [storesSeconds, restarted] = await Promise.all([storesServing, untilUp(launched, 120_000)]);
  return { stack: restarted, storesSeconds, stackSeconds: (performance.now() - started) / 1000 };
}

function rows(slipway: Figures, dockerd: Figures): Row[] {
  const lowerIsBetter = (name: string) => !/creates\/s|MB\/s|removes\/s/.test(name);
  // Latencies only: every other figure names its unit ("creates/s", "MiB", "seconds", ...).
  const units = (name: string) => (/ p\d\d$/.test(name) ? "ms" : "");
  return Object.keys({ ...slipway, ...dockerd }).map((figure) => ({
    figure,
    slipway: slipway[figure],
    dockerd: dockerd[figure],
    better: lowerIsBetter(figure) ? "lower" : "higher",
    unit: units(figure),
  }));
}

async function loadBigImage(targets: Target[], scratch: string, o: BenchOptions, figures: Record<string, Figures>): Promise<void> {
  const big = await writeBigImage(scratch, { totalMiB: o.loadMiB, smallFiles: o.loadSmallFiles, largeFiles: 6 });
  for (const target of targets) {
    flushFilesystems();
    log(`${target.name}: loading a ${Math.round(big.bytes / 2 ** 20)} MiB image`);
    const load = await loadArchive(target, big.path);
    await target.client.call("DELETE", "/images/bench-big:1");
    Object.assign(figures[target.name]!, {
      "load MB/s": load.mbPerSecond,
      "load peak RSS MiB": load.peakRssMiB,
      "load peak RSS growth MiB": load.peakRssGrowthMiB,
    });
  }
  rmSync(big.path);
}

/** Removal rate over a sample: Slipway's data root is deleted afterwards, dockerd is cleaned up in full by cleanUp. */
async function removeRates(targets: Target[], o: BenchOptions, figures: Record<string, Figures>): Promise<void> {
  for (const target of targets) {
    const ids = await benchContainerIds(target);
    log(`${target.name}: removing ${Math.min(ids.length, o.removeSample)} of ${ids.length} bench containers, measured`);
    const removed = await removeMeasured(target, ids, o.removeSample, o.clients);
    Object.assign(figures[target.name]!, { "removes/s": removed.perSecond, "remove p50": removed.p50 });
  }
}

/** Leaves the Docker engine as the run found it: every bench-* container removed, whatever failed before. */
async function cleanUp(targets: Target[], o: BenchOptions): Promise<void> {
  for (const target of targets.filter((t) => t.name === "dockerd")) {
    try {
      log(`dockerd: removed the remaining ${await removeBenchContainers(target, o.clients)} bench containers`);
    } catch (err) {
      log(
        `dockerd: could not remove every bench container (${(err as Error).message}); remove them with: docker ps -aq --filter name=^/bench- | xargs -r docker rm -v -f`,
      );
    }
  }
}

async function main(): Promise<void> {
  if (process.argv.includes("--help")) return void process.stdout.write(`${USAGE}\n`);
  const docker = await dockerAvailable();
  const options = parseBenchOptions(process.argv.slice(2), docker);
  if (!options.withDocker) log(docker ? "--no-docker: measuring Slipway alone" : "no Docker engine at /var/run/docker.sock: measuring Slipway alone");
  mkdirSync(options.outDir, { recursive: true });
  const scratch = mkdtempSync(join(tmpdir(), "slipway-bench-"));
  const machine = describeMachine(scratch, options.withDocker);
  let stack = await startLocalStack(scratch, undefined, options.split ? ["--split"] : []);
  const targets: Target[] = [slipwayTarget(stack), ...(options.withDocker ? [dockerdTarget()] : [])];
  const figures: Record<string, Figures> = { slipway: {}, dockerd: {} };
  try {
    await loadBigImage(targets, scratch, options, figures);
    const image = await prepareCreateImage(targets, scratch);
    for (const target of targets) Object.assign(figures[target.name]!, await runCreates(target, image, options));
    Object.assign(figures.slipway!, await grpcCreates(stack, image, Math.min(200, options.sequentialCreates)));
    for (const target of targets) Object.assign(figures[target.name]!, await runLists(target, image, options));
    const restart = await restartTime(stack);
    stack = restart.stack;
    targets[0] = slipwayTarget(stack);
    figures.slipway!["stores ready after restart seconds"] = Math.round(restart.storesSeconds * 100) / 100;
    figures.slipway!["whole stack ready after restart seconds"] = Math.round(restart.stackSeconds * 100) / 100;
    await removeRates(targets, options, figures);
  } finally {
    await cleanUp(targets, options);
    for (const target of targets) target.client.close();
    await stack.stop();
    rmSync(scratch, { recursive: true, force: true });
  }
  recordEndLoad(machine);
  report(options, machine, figures);
}

interface RawResults {
  readonly date: string;
  readonly command: string;
  readonly machine: Machine;
  readonly options: BenchOptions;
  readonly figures: Record<string, Figures>;
}

function report(options: BenchOptions, machine: Machine, figures: Record<string, Figures>): void {
  const table = renderTable(rows(figures.slipway!, figures.dockerd!));
  const command = ["npm run bench", ...(process.argv.length > 2 ? ["--", ...process.argv.slice(2)] : [])].join(" ");
  const raw: RawResults = { date: new Date().toISOString(), command, machine, options, figures };
  writeFileSync(join(options.outDir, "results.json"), `${JSON.stringify(raw, null, 2)}\n`);
  process.stdout.write(`\n${table}\n\n${machineLines(machine)}\nraw results: ${join(options.outDir, "results.json")}\n`);
  if (options.writeDocs) writeDocs(raw, table);
}

function machineLines(machine: Machine): string {
  return Object.entries(machine)
    .map(([key, value]) => `- ${key}: ${String(value)}`)
    .join("\n");
}

/** Rewrites the generated "last run" section of docs/benchmarks.md; the hand-written sections stay. */
function writeDocs(raw: RawResults, table: string): void {
  const path = join(REPO_ROOT, "docs", "benchmarks.md");
  mkdirSync(join(REPO_ROOT, "docs"), { recursive: true });
  const section = [
    `## Last full run`,
    `${raw.date}, command \`${raw.command}\` (sizes: \`${JSON.stringify({ ...raw.options, outDir: undefined, writeDocs: undefined })}\`).`,
    `Machine:\n\n${machineLines(raw.machine)}`,
    table,
  ].join("\n\n");
  writeFileSync(path, spliceLastRun(existsSync(path) ? readFileSync(path, "utf8") : undefined, section));
  log(`wrote ${path}`);
}

main().catch((err: unknown) => {
  process.stderr.write(`bench: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});
