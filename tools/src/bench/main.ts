import { mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { startLocalStack, type LocalStack } from "../stack/local-stack.js";
import { loadCreateImage, prepareCreateImage, type CreateImage } from "./create-image.js";
import { dockerAvailable, hostDockerdEngine, slipwayEngine, type Engine } from "./engines.js";
import { layoutArgs, type Layout } from "./layouts.js";
import { log } from "./log.js";
import { DeletionWindow } from "./deletion-window.js";
import { describeMachine, recordEndLoad } from "./machine.js";
import { parseBenchOptions, USAGE, type BenchOptions } from "./options.js";
import { coldPhase } from "./phases/cold.js";
import { grpcCreates, runCreates, runLists } from "./phases/creates.js";
import { loadBigImages, removeLoadedImages } from "./phases/load.js";
import { pullBigImages } from "./phases/pull.js";
import { cleanUp, removeRates } from "./phases/removes.js";
import { restartTime } from "./phases/restart.js";
import { RunRecord } from "./record.js";
import { requirePullCommands } from "./registry-image.js";
import { report } from "./results.js";

/** A Slipway layout under test: its stack (replaced when restarted) and the engine reaching it. */
interface SlipwayRun {
  readonly layout: Layout;
  stack: LocalStack;
  engine: Engine;
}

async function startSlipway(layout: Layout, scratch: string): Promise<SlipwayRun> {
  const root = join(scratch, layout);
  mkdirSync(root);
  const stack = await startLocalStack(root, undefined, layoutArgs(layout));
  return { layout, stack, engine: slipwayEngine(stack, layout) };
}

async function restartSlipway(run: SlipwayRun, record: RunRecord): Promise<void> {
  run.engine.client.close();
  const restarted = await restartTime(run.stack);
  run.stack = restarted.stack;
  run.engine = slipwayEngine(run.stack, run.layout);
  record.add(run.layout, restarted.figures);
}

/** What every warm phase is given: dockerd (when measured), where to work, the image to create from, the record. */
interface WarmRun {
  readonly dockerd: Engine | undefined;
  readonly scratch: string;
  readonly image: CreateImage;
  readonly o: BenchOptions;
  readonly record: RunRecord;
  readonly deletions: DeletionWindow;
}

/**
 * Phase by phase, each engine in turn (each Slipway layout, then dockerd), so that a phase meets every
 * engine in the same stretch of the machine's load. What a phase made is deleted after every engine ran it,
 * and the phases that create files start once those deletions no longer slow file creation (DeletionWindow).
 */
async function measureWarm(slipways: SlipwayRun[], { dockerd, scratch, image, o, record, deletions }: WarmRun) {
  const engines = () => [...slipways.map((run) => run.engine), ...(dockerd ? [dockerd] : [])];
  await deletions.settle();
  try {
    await loadBigImages(engines(), scratch, o, record);
    if (o.withPull) await pullBigImages(engines(), scratch, o, record);
  } finally {
    await removeLoadedImages(engines(), o);
    deletions.deleted();
  }
  for (const run of slipways) await loadCreateImage(run.engine, image);
  await deletions.settle();
  for (const engine of engines()) await runCreates(engine, image.name, o, record);
  for (const run of slipways) record.add(run.layout, await grpcCreates(run.stack, image.name, Math.min(200, o.sequentialCreates)));
  for (const engine of engines()) await runLists(engine, image.name, o, record);
  for (const run of slipways) await restartSlipway(run, record);
  await removeRates(engines(), o, record);
  deletions.deleted();
}

/** The warm phases with a stack per layout, stopped again before the cold phase. */
async function measureLayouts(warm: WarmRun): Promise<void> {
  const slipways: SlipwayRun[] = [];
  try {
    for (const layout of warm.o.layouts) slipways.push(await startSlipway(layout, warm.scratch));
    await measureWarm(slipways, warm);
  } finally {
    for (const run of slipways) run.engine.client.close();
    for (const run of slipways) await run.stack.stop();
  }
}

async function main(): Promise<void> {
  if (process.argv.includes("--help")) return void process.stdout.write(`${USAGE}\n`);
  const docker = await dockerAvailable();
  const options = parseBenchOptions(process.argv.slice(2), docker);
  if (!options.withDocker) log(docker ? "--no-docker: measuring Slipway alone" : "no Docker engine at /var/run/docker.sock: measuring Slipway alone");
  if (options.withPull) await requirePullCommands();
  mkdirSync(options.outDir, { recursive: true });
  const scratch = mkdtempSync(join(tmpdir(), "slipway-bench-"));
  const deletions = new DeletionWindow(scratch);
  const machine = await describeMachine(scratch, options.withDocker, deletions.description);
  const record = new RunRecord();
  const dockerd = options.withDocker ? hostDockerdEngine() : undefined;
  try {
    const image = prepareCreateImage(options.withDocker, scratch);
    await measureLayouts({ dockerd, scratch, image, o: options, record, deletions });
    await deletions.settle();
    await coldPhase(scratch, image, options, record);
  } finally {
    if (dockerd) await cleanUp(dockerd, options.clients);
    dockerd?.client.close();
    rmSync(scratch, { recursive: true, force: true });
  }
  recordEndLoad(machine);
  report(options, machine, record);
}

main().catch((err: unknown) => {
  process.stderr.write(`bench: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(1);
});
