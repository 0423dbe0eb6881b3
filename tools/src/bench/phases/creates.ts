import { execFileSync } from "node:child_process";
import { createClient } from "@slipway/grpc-kit";
import { orchestrator } from "@slipway/proto";
import type { LocalStack } from "../../stack/local-stack.js";
import type { Engine } from "../engines.js";
import { log } from "../log.js";
import type { BenchOptions } from "../options.js";
import type { Figures, RunRecord } from "../record.js";
import { createFootprint, createMany, listLatency } from "../scenarios.js";
import { measure, type RunStats } from "../stats.js";

/** A run's rate and latencies as figures: "<prefix> creates/s", "<prefix> p50", "<prefix> p90", "<prefix> p99". */
export function statsFigures(prefix: string, s: RunStats): Figures {
  return { [`${prefix} creates/s`]: s.perSecond, [`${prefix} p50`]: s.p50, [`${prefix} p90`]: s.p90, [`${prefix} p99`]: s.p99 };
}

/**
 * Each engine's load and creates start on flushed filesystems, not behind the writeback of what came
 * before (the generated archive, the other engine's files). Deletions are DeletionWindow's.
 */
export function flushFilesystems(): void {
  execFileSync("sync");
}

/** `count` creates with `clients` clients, their CPU charged to the engine as "<prefix> CPU ms/create". */
async function chargedCreates(engine: Engine, record: RunRecord, image: string, prefix: string, count: number, clients: number): Promise<Figures> {
  const { result, cpuMsEach } = await record.charged(engine, `${prefix} creates`, count, () =>
    createMany(engine, image, `${prefix}-`, count, clients),
  );
  return { ...statsFigures(prefix, result), [`${prefix} CPU ms/create`]: cpuMsEach };
}

/**
 * Filling the first list population (1,000) comes first and is not timed: it also warms each engine up, as
 * V8 optimises Slipway's create path over the first thousand or so creates of a fresh stack.
 */
export async function runCreates(engine: Engine, image: string, o: BenchOptions, record: RunRecord): Promise<void> {
  flushFilesystems();
  const firstList = await listAt(engine, image, o.listPopulations[0]!, o);
  log(`${engine.label}: ${o.sequentialCreates} sequential creates`);
  const sequential = await chargedCreates(engine, record, image, "sequential", o.sequentialCreates, 1);
  log(`${engine.label}: ${o.concurrentCreates} creates with ${o.clients} clients`);
  const concurrent = await chargedCreates(engine, record, image, "concurrent", o.concurrentCreates, o.clients);
  const footprint = await createFootprint(engine, image, 20);
  record.add(engine.key, {
    ...sequential,
    ...concurrent,
    "inodes/container": footprint.inodes,
    "KiB/container": footprint.bytes / 1024,
    ...firstList,
  });
}

/** The lists at the populations after the first (which runCreates measures). */
export async function runLists(engine: Engine, image: string, o: BenchOptions, record: RunRecord): Promise<void> {
  for (const population of o.listPopulations.slice(1)) record.add(engine.key, await listAt(engine, image, population, o));
}

/** Tops the containers up to `population` (not timed), then times the list. */
async function listAt(engine: Engine, image: string, population: number, o: BenchOptions): Promise<Figures> {
  const present = await engine.client.listAll();
  if (present < population) {
    log(`${engine.label}: topping up to ${population} containers`);
    await createMany(engine, image, `top${population}-`, population - present, o.clients);
  }
  const list = await listLatency(engine, o.listCalls);
  return { [`list ${population} p50`]: list.p50, [`list ${population} p99`]: list.p99 };
}

/** Creates straight over the orchestrator's gRPC API, without engine-api. */
export async function grpcCreates(stack: LocalStack, image: string, count: number): Promise<Figures> {
  const client = createClient(orchestrator.OrchestratorServiceService, stack.addresses.orchestrator, { name: "orchestrator" });
  const body = Buffer.from(JSON.stringify({ Image: image }));
  const run = await measure(count, 1, (i) => client.createContainer({ name: `bench-grpc-${i}`, createRequestJson: body, apiVersion: "1.41" }));
  client.close();
  return { "gRPC sequential creates/s": run.perSecond, "gRPC sequential p50": run.p50 };
}
