import { startRegistry } from "@slipway/registry-client/testing";
import type { Engine } from "../engines.js";
import { log } from "../log.js";
import type { BenchOptions } from "../options.js";
import { requireFullDownload } from "../pull-stream.js";
import type { RunRecord } from "../record.js";
import { pullImageShape, putBigImage, type RegistryImage } from "../registry-image.js";
import { pullImage, removeImage, removeImageEverywhere } from "../scenarios.js";
import { flushFilesystems } from "./creates.js";

/** One timed pull into an engine that does not have the image. */
async function coldPull(engine: Engine, image: RegistryImage, record: RunRecord): Promise<void> {
  const reference = `${image.repository}:${image.tag}`;
  await removeImage(engine, reference);
  flushFilesystems();
  log(`${engine.label}: pulling a ${Math.round(image.bytes / 2 ** 20)} MiB image of ${image.layers} layers`);
  const { result: pull, cpuMsEach } = await record.charged(engine, "pull", image.bytes / 1e6, () =>
    pullImage(engine, image.repository, image.tag, image.bytes),
  );
  requireFullDownload(pull.stream, reference);
  record.add(engine.key, { "pull MB/s": pull.mbPerSecond, "pull peak RSS MiB": pull.peakRssMiB, "pull CPU ms/MB": cpuMsEach });
}

/**
 * `docker pull` of a generated image from a local registry into each engine in turn, cold each time (the
 * image absent, the filesystems flushed): compressed MB/s, peak RSS and CPU per MB. The pulled images are
 * removed once every engine has pulled (a deletion slows the next engine's files); the registry is stopped
 * whatever fails.
 */
export async function pullBigImage(engines: readonly Engine[], scratch: string, o: BenchOptions, record: RunRecord): Promise<void> {
  const registry = await startRegistry();
  let reference: string | undefined;
  try {
    const image = await putBigImage(registry, scratch, pullImageShape(o.pullMiB, o.pullSmallFiles));
    reference = `${image.repository}:${image.tag}`;
    for (const engine of engines) await coldPull(engine, image, record);
  } finally {
    if (reference !== undefined) await removeImageEverywhere(engines, reference);
    await registry.stop();
  }
}
