import { startSecondDockerd } from "@slipway/throwaway-dockerd";
import { mkdtempSync } from "node:fs";
import { join } from "node:path";
import { startLocalStack } from "../../stack/local-stack.js";
import { loadCreateImage, type CreateImage } from "../create-image.js";
import { dockerdEngine, slipwayEngine, type Engine } from "../engines.js";
import { layoutArgs, type Layout } from "../layouts.js";
import { log } from "../log.js";
import type { BenchOptions } from "../options.js";
import type { Figures, RunRecord } from "../record.js";
import { BENCH_PREFIX } from "../scenarios.js";
import { summarize, timeOperations } from "../stats.js";
import { statsFigures } from "./creates.js";

/** An engine started for the cold phase, and how to stop it again. */
interface Started {
  readonly engine: Engine;
  stop(): Promise<unknown>;
}

async function session(start: () => Promise<Started>, work: (engine: Engine) => Promise<void>): Promise<void> {
  const started = await start();
  try {
    await work(started.engine);
  } finally {
    started.engine.client.close();
    await started.stop();
  }
}

/** The first `o.coldCreates`: a third of them one at a time, the rest with the clients; one rate and CPU over all. */
async function coldCreates(engine: Engine, image: CreateImage, o: BenchOptions, record: RunRecord): Promise<Figures> {
  const sequential = Math.round(o.coldCreates / 3);
  const create = (i: number) => engine.client.create(`${BENCH_PREFIX}cold-${i}`, image.name);
  log(`${engine.label}: the first ${o.coldCreates} creates after a restart (${sequential} one at a time, then ${o.clients} clients)`);
  const { result, cpuMsEach } = await record.charged(engine, "cold creates", o.coldCreates, async () => {
    const first = await timeOperations(sequential, 1, create);
    const rest = await timeOperations(o.coldCreates - sequential, o.clients, (i) => create(sequential + i));
    return summarize([...first.latenciesMs, ...rest.latenciesMs], first.seconds + rest.seconds);
  });
  return { ...statsFigures("cold", result), "cold CPU ms/create": cpuMsEach };
}

/**
 * The engine gets the image on a fresh data root and is restarted, so that the timed creates are the first
 * work of an engine that has just reported ready (for Slipway: V8 has optimised none of the create path yet).
 */
async function firstCreatesAfterRestart(start: () => Promise<Started>, image: CreateImage, o: BenchOptions, record: RunRecord): Promise<void> {
  await session(start, (engine) => loadCreateImage(engine, image));
  await session(start, async (engine) => record.add(engine.key, await coldCreates(engine, image, o, record)));
}

/** A fresh `npm start` (with `--split` for that layout) on a fresh data root under `scratch`. */
async function coldSlipway(layout: Layout, scratch: string, image: CreateImage, o: BenchOptions, record: RunRecord): Promise<void> {
  const root = mkdtempSync(join(scratch, `cold-${layout}-`));
  const start = async (): Promise<Started> => {
    const stack = await startLocalStack(root, undefined, layoutArgs(layout));
    return { engine: slipwayEngine(stack, layout), stop: () => stack.stop() };
  };
  await firstCreatesAfterRestart(start, image, o, record);
}

/** A throwaway second dockerd on a fresh data root under `scratch`: the host's dockerd is never restarted. */
async function coldDockerd(scratch: string, image: CreateImage, o: BenchOptions, record: RunRecord): Promise<void> {
  const dataRoot = join(scratch, "cold-dockerd");
  const start = async (): Promise<Started> => {
    const daemon = await startSecondDockerd({ dataRoot });
    return {
      engine: { ...dockerdEngine(daemon.socketPath, daemon.pid, dataRoot), label: "dockerd (throwaway, restarted)" },
      stop: () => daemon.stop(),
    };
  };
  await firstCreatesAfterRestart(start, image, o, record);
}

/** The cold phase of each layout and of a throwaway dockerd; a dockerd that cannot be started is noted, not fatal. */
export async function coldPhase(scratch: string, image: CreateImage, o: BenchOptions, record: RunRecord): Promise<void> {
  for (const layout of o.layouts) await coldSlipway(layout, scratch, image, o, record);
  if (!o.withDocker) return;
  try {
    await coldDockerd(scratch, image, o, record);
  } catch (err) {
    record.notes.push(`cold dockerd not measured: ${(err as Error).message.split("\n")[0]}`);
  }
}
