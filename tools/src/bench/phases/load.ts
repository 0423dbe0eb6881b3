import { rmSync } from "node:fs";
import { writeBigImage, type BigImageShape } from "../big-image.js";
import type { Engine } from "../engines.js";
import { log } from "../log.js";
import type { BenchOptions } from "../options.js";
import type { Figures, RunRecord } from "../record.js";
import { measureInRounds, type RoundedPhase } from "../rounds.js";
import { loadArchive, removeImageEverywhere } from "../scenarios.js";
import { flushFilesystems } from "./creates.js";

/** The image round `round` (from 0) loads: a distinct one each round, so that no round deletes what another made. */
const loadedReference = (round: number) => `bench-big:${round + 1}`;

function loadShape(o: BenchOptions): BigImageShape {
  return { totalMiB: o.loadMiB, smallFiles: o.loadSmallFiles, largeFiles: 6, smallFileLayers: 1, largeFileLayers: 3 };
}

async function loadOnce(engine: Engine, archive: { path: string; bytes: number }, round: number, record: RunRecord): Promise<Figures> {
  flushFilesystems();
  log(`${engine.label}: loading a ${Math.round(archive.bytes / 2 ** 20)} MiB image (round ${round + 1})`);
  const { result: load, cpuMsEach } = await record.charged(engine, `load ${round + 1}`, archive.bytes / 1e6, () => loadArchive(engine, archive.path));
  return {
    "load MB/s": load.mbPerSecond,
    "load CPU ms/MB": cpuMsEach,
    "load peak RSS MiB": load.peakRssMiB,
    "load peak RSS growth MiB": load.peakRssGrowthMiB,
  };
}

/**
 * `docker load` of generated images into each engine, in rounds (removeLoadedImages deletes them): rate, memory
 * and CPU per MB, the median of the rounds (the peaks, their highest).
 */
export async function loadBigImages(engines: readonly Engine[], scratch: string, o: BenchOptions, record: RunRecord): Promise<void> {
  let archive: { path: string; bytes: number } | undefined;
  const phase: RoundedPhase = {
    name: "load",
    rounds: o.rounds,
    summaries: { "load MB/s": "median", "load CPU ms/MB": "median", "load peak RSS MiB": "highest", "load peak RSS growth MiB": "highest" },
    prepare: async (round) => {
      archive = await writeBigImage(scratch, loadShape(o), loadedReference(round));
    },
    measure: (engine, round) => loadOnce(engine, archive!, round, record),
    finish: async () => {
      if (archive) rmSync(archive.path, { force: true });
    },
  };
  await measureInRounds(engines, phase, record);
}

/** Deletes what loadBigImages loaded, once every engine has loaded it (a deletion slows the next engine's files). */
export async function removeLoadedImages(engines: readonly Engine[], o: BenchOptions): Promise<void> {
  for (let round = 0; round < o.rounds; round++) await removeImageEverywhere(engines, loadedReference(round));
}
