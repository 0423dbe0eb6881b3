import { startRegistry } from "@slipway/registry-client/testing";
import type { Engine } from "../engines.js";
import { log } from "../log.js";
import type { BenchOptions } from "../options.js";
import { requireFullDownload } from "../pull-stream.js";
import type { RunRecord } from "../record.js";
import { pullImageShape, putBigImage, type RegistryImage } from "../registry-image.js";
import { pullImage } from "../scenarios.js";
import { flushFilesystems } from "./creates.js";

/** Removes the image `reference` names with every other reference to it (`docker rmi -f <id>`); an absent image is fine. */
async function removeImage(engine: Engine, reference: string): Promise<void> {
  const inspected = await engine.client.call("GET", `/images/${reference}/json`);
  if (inspected.status === 404) return;
  if (inspected.status !== 200) throw new Error(`${engine.label}: inspect of ${reference}: HTTP ${inspected.status} ${inspected.body.trim()}`);
  const { Id } = JSON.parse(inspected.body) as { Id: string };
  const removed = await engine.client.call("DELETE", `/images/${Id}?force=1`);
  if (removed.status !== 200) throw new Error(`${engine.label}: removal of ${reference}: HTTP ${removed.status} ${removed.body.trim()}`);
}

/** One timed pull into an engine that does not have the image; removed again at once only if the pull failed. */
async function coldPull(engine: Engine, image: RegistryImage, record: RunRecord): Promise<void> {
  const reference = `${image.repository}:${image.tag}`;
  await removeImage(engine, reference);
  flushFilesystems();
  log(`${engine.label}: pulling a ${Math.round(image.bytes / 2 ** 20)} MiB image of ${image.layers} layers`);
  try {
    const { result: pull, cpuMsEach } = await record.charged(engine, "pull", image.bytes / 1e6, () =>
      pullImage(engine, image.repository, image.tag, image.bytes),
    );
    requireFullDownload(pull.stream, reference);
    record.add(engine.key, { "pull MB/s": pull.mbPerSecond, "pull peak RSS MiB": pull.peakRssMiB, "pull CPU ms/MB": cpuMsEach });
  } catch (err) {
    await removeImage(engine, reference).catch((cleanup: Error) =>
      log(`${engine.label}: could not remove ${reference} (${cleanup.message}); remove it with: docker rmi -f ${reference}`),
    );
    throw err;
  }
}

/**
 * `docker pull` of a generated image from a local registry into each engine in turn, cold each time (the
 * image absent, the filesystems flushed): compressed MB/s, peak RSS and CPU per MB. The pulled images are
 * removed once every engine has pulled (a deletion slows the next engine's files); the registry is stopped
 * whatever fails.
 */
export async function pullBigImage(engines: readonly Engine[], scratch: string, o: BenchOptions, record: RunRecord): Promise<void> {
  const registry = await startRegistry();
  try {
    const image = await putBigImage(registry, scratch, pullImageShape(o.pullMiB, o.pullSmallFiles));
    for (const engine of engines) await coldPull(engine, image, record);
    for (const engine of engines) await removeImage(engine, `${image.repository}:${image.tag}`);
  } finally {
    await registry.stop();
  }
}
