import { rmSync } from "node:fs";
import { writeBigImage } from "../big-image.js";
import type { Engine } from "../engines.js";
import { log } from "../log.js";
import type { BenchOptions } from "../options.js";
import type { RunRecord } from "../record.js";
import { loadArchive } from "../scenarios.js";
import { flushFilesystems } from "./creates.js";

/** `docker load` of a generated image into each engine (deleted again after): rate, memory and CPU per MB. */
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
    await engine.client.call("DELETE", "/images/bench-big:1");
    record.add(engine.key, {
      "load MB/s": load.mbPerSecond,
      "load CPU ms/MB": cpuMsEach,
      "load peak RSS MiB": load.peakRssMiB,
      "load peak RSS growth MiB": load.peakRssGrowthMiB,
    });
  }
  rmSync(big.path);
}
