import { createReadStream, statSync } from "node:fs";
import { diskUsage, createFootprintPaths } from "./footprint.js";
import { sampleRss } from "./process-memory.js";
import { measure, summarize, type RunStats } from "./stats.js";
import type { Engine } from "./engines.js";
import { log } from "./log.js";

export const BENCH_PREFIX = "bench-";

/** Creates `count` containers named <prefix><i> with `clients` concurrent clients. */
export function createMany(engine: Engine, image: string, prefix: string, count: number, clients: number): Promise<RunStats> {
  return measure(count, clients, (i) => engine.client.create(`${BENCH_PREFIX}${prefix}${i}`, image));
}

/** Inodes and bytes one created container adds, measured over `count` creates. */
export async function createFootprint(engine: Engine, image: string, count: number) {
  const paths = createFootprintPaths(engine.dataRoot);
  const before = await diskUsage(paths);
  await createMany(engine, image, "fp-", count, 4);
  const after = await diskUsage(paths);
  return { inodes: (after.inodes - before.inodes) / count, bytes: (after.bytes - before.bytes) / count };
}

/**
 * GET /containers/json?all=1 latency with the current population: from the request to the last byte of
 * the body, as `curl -w %{time_total}` counts it. Decoding the body is the client's work, the same whichever
 * engine sent it, and would add that fixed cost to both engines' figures, so it is not timed; every timed body
 * must have the byte length of the decoded one, as nothing changes the list meanwhile.
 */
export async function listLatency(engine: Engine, calls: number): Promise<RunStats & { population: number }> {
  const first = await engine.client.listAllBody();
  const population = (JSON.parse(first) as unknown[]).length;
  const firstBytes = Buffer.byteLength(first);
  const stats = await measure(calls, 1, async () => {
    const bytes = await engine.client.listAllBytes();
    if (bytes !== firstBytes) throw new Error(`${engine.label}: a list of ${population} containers changed length (${firstBytes} → ${bytes} bytes)`);
  });
  return { ...stats, population };
}

/** The IDs of every container this benchmark made (named bench-*). */
export async function benchContainerIds(engine: Engine): Promise<string[]> {
  const res = await engine.client.call(
    "GET",
    `/containers/json?all=1&filters=${encodeURIComponent(JSON.stringify({ name: { [`^/${BENCH_PREFIX}`]: true } }))}`,
  );
  if (res.status !== 200) throw new Error(`list of bench containers on ${engine.client.socketPath}: HTTP ${res.status} ${res.body.trim()}`);
  return (JSON.parse(res.body) as { Id: string; Names: string[] }[])
    .filter((c) => c.Names.some((n) => n.startsWith(`/${BENCH_PREFIX}`)))
    .map((c) => c.Id);
}

/** Removes (v=1, force=1) the first `sample` of `ids` and reports the rate. */
export function removeMeasured(engine: Engine, ids: readonly string[], sample: number, clients: number): Promise<RunStats> {
  const measured = ids.slice(0, sample);
  if (measured.length === 0) return Promise.resolve(summarize([], 1));
  return measure(measured.length, clients, (i) => engine.client.remove(measured[i]!));
}

/** Removes every bench container, unmeasured: the clean-up that leaves a Docker engine as it was. */
export async function removeBenchContainers(engine: Engine, clients: number): Promise<number> {
  const ids = await benchContainerIds(engine);
  await measure(ids.length, clients, (i) => engine.client.remove(ids[i]!));
  return ids.length;
}

/** The wall time of `work` on the engine, and the peak RSS of the engine's processes meanwhile and its growth over the start. */
async function timedWithMemory<T>(engine: Engine, work: () => Promise<T>) {
  const rss = sampleRss(() => engine.memoryProcesses());
  const started = performance.now();
  let memory: { peak: number; growth: number };
  let result: T;
  try {
    result = await work();
  } finally {
    memory = rss.stop();
  }
  const seconds = (performance.now() - started) / 1000;
  const mib = (n: number) => Math.round(n / 2 ** 20);
  return { result, seconds, peakRssMiB: mib(memory.peak), peakRssGrowthMiB: mib(memory.growth) };
}

const megabytesPerSecond = (bytes: number, seconds: number) => Math.round((bytes / 1e6 / seconds) * 10) / 10;

/** Loads an archive through POST /images/load; MB/s, and the peak RSS of the engine's processes and its growth. */
export async function loadArchive(engine: Engine, archive: string) {
  const bytes = statSync(archive).size;
  const { seconds, peakRssMiB, peakRssGrowthMiB } = await timedWithMemory(engine, () =>
    engine.client.load(createReadStream(archive, { highWaterMark: 1024 * 1024 })),
  );
  return { mbPerSecond: megabytesPerSecond(bytes, seconds), seconds: Math.round(seconds * 100) / 100, peakRssMiB, peakRssGrowthMiB };
}

/**
 * Pulls `repository:tag` through POST /images/create, timed until its stream ends: MB/s of `bytes` (the
 * compressed blobs pulled), the peak RSS of the engine's processes, and the progress stream.
 */
export async function pullImage(engine: Engine, repository: string, tag: string, bytes: number) {
  const { result, seconds, peakRssMiB } = await timedWithMemory(engine, () => engine.client.pull(repository, tag));
  return { mbPerSecond: megabytesPerSecond(bytes, seconds), peakRssMiB, stream: result };
}

/** Removes the image `reference` names with every other reference to it (`docker rmi -f <id>`); an absent image is fine. */
export async function removeImage(engine: Engine, reference: string): Promise<void> {
  const inspected = await engine.client.call("GET", `/images/${reference}/json`);
  if (inspected.status === 404) return;
  if (inspected.status !== 200) throw new Error(`${engine.label}: inspect of ${reference}: HTTP ${inspected.status} ${inspected.body.trim()}`);
  const { Id } = JSON.parse(inspected.body) as { Id: string };
  const removed = await engine.client.call("DELETE", `/images/${Id}?force=1`);
  if (removed.status !== 200) throw new Error(`${engine.label}: removal of ${reference}: HTTP ${removed.status} ${removed.body.trim()}`);
}

/** removeImage in every engine, whatever failed before; one it cannot remove is named with the command that does. */
export async function removeImageEverywhere(engines: readonly Engine[], reference: string): Promise<void> {
  for (const engine of engines) {
    await removeImage(engine, reference).catch((err: Error) =>
      log(`${engine.label}: could not remove ${reference} (${err.message}); remove it with: docker rmi -f ${reference}`),
    );
  }
}
