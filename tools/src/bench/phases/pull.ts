import { startRegistry } from "@slipway/registry-client/testing";
import type { Engine } from "../engines.js";
import { log } from "../log.js";
import type { BenchOptions } from "../options.js";
import { requireFullDownload } from "../pull-stream.js";
import type { Figures, RunRecord } from "../record.js";
import { pullImageShape, putBigImage, type RegistryImage } from "../registry-image.js";
import { measureInRounds, type RoundedPhase } from "../rounds.js";
import { pullImage, removeImage, removeImageEverywhere } from "../scenarios.js";
import { flushFilesystems } from "./creates.js";

/** One timed pull into an engine that does not have the image. */
async function coldPull(engine: Engine, image: RegistryImage, round: number, record: RunRecord): Promise<Figures> {
  const reference = `${image.repository}:${image.tag}`;
  await removeImage(engine, reference);
  flushFilesystems();
  log(`${engine.label}: pulling a ${Math.round(image.bytes / 2 ** 20)} MiB image of ${image.layers} layers (round ${round + 1})`);
  const { result: pull, cpuMsEach } = await record.charged(engine, `pull ${round + 1}`, image.bytes / 1e6, () =>
    pullImage(engine, image.repository, image.tag, image.bytes),
  );
  requireFullDownload(pull.stream, reference);
  return { "pull MB/s": pull.mbPerSecond, "pull peak RSS MiB": pull.peakRssMiB, "pull CPU ms/MB": cpuMsEach };
}

/**
 * `docker pull` of generated images from a local registry into each engine, in rounds, cold each time (the
 * image absent, the filesystems flushed): compressed MB/s and CPU per MB, the median of the rounds, and the
 * highest peak RSS. The pulled images are removed once every engine has pulled every round (a deletion slows
 * the next engine's files); the registry is stopped whatever fails.
 */
export async function pullBigImages(engines: readonly Engine[], scratch: string, o: BenchOptions, record: RunRecord): Promise<void> {
  const registry = await startRegistry();
  const pulled: string[] = [];
  let image: RegistryImage | undefined;
  const phase: RoundedPhase = {
    name: "pull",
    rounds: o.rounds,
    summaries: { "pull MB/s": "median", "pull CPU ms/MB": "median", "pull peak RSS MiB": "highest" },
    prepare: async (round) => {
      image = await putBigImage(registry, scratch, pullImageShape(o.pullMiB, o.pullSmallFiles), String(round + 1));
      pulled.push(`${image.repository}:${image.tag}`);
    },
    measure: (engine, round) => coldPull(engine, image!, round, record),
  };
  try {
    await measureInRounds(engines, phase, record);
  } finally {
    for (const reference of pulled) await removeImageEverywhere(engines, reference);
    await registry.stop();
  }
}
