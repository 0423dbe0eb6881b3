import { rmSync } from "node:fs";
import { writeBigImage } from "../big-image.js";
import type { Engine } from "../engines.js";
import { log } from "../log.js";
import type { BenchOptions } from "../options.js";
import type { RunRecord } from "../record.js";
import { loadArchive, removeImageEverywhere } from "../scenarios.js";
import { flushFilesystems } from "./creates.js";

const LOADED = "bench-big:1";

/** `docker load` of a generated image into each engine (removeLoadedImage deletes it): rate, memory and CPU per MB. */
export async function loadBigImage(engines: readonly Engine[], scratch: string, o: BenchOptions, record: RunRecord): Promise<void> {
  const big = await writeBigImage(scratch, {
    totalMiB: o.loadMiB,
    smallFiles: o.loadSmallFiles,
    largeFiles: 6,
    smallFileLayers: 1,
    largeFileLayers: 3,
  });
  for (const engine of engines) {
    flushFilesystems();
    log(`${engine.label}: loading a ${Math.round(big.bytes / 2 ** 20)} MiB image`);
    const { result: load, cpuMsEach } = await record.charged(engine, "load", big.bytes / 1e6, () => loadArchive(engine, big.path));
    record.add(engine.key, {
      "load MB/s": load.mbPerSecond,
      "load CPU ms/MB": cpuMsEach,
      "load peak RSS MiB": load.peakRssMiB,
      "load peak RSS growth MiB": load.peakRssGrowthMiB,
    });
  }
  rmSync(big.path);
}

/** Deletes what loadBigImage loaded, once every engine has loaded it (a deletion slows the next engine's files). */
export function removeLoadedImage(engines: readonly Engine[]): Promise<void> {
  return removeImageEverywhere(engines, LOADED);
}
