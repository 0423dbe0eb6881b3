import { open, rm } from "node:fs/promises";
import { join } from "node:path";
import { measure } from "./stats.js";

const BLOCK = Buffer.alloc(4096, 0x5a);

/**
 * How long the disk under `dir` takes to flush: `count` times a 4 KiB write over the same block of one file
 * and an fdatasync. Slow flushes cost dockerd (six per create, none shared) more than Slipway (rounds shared
 * by concurrent creates), so a run's ratios depend on this. The probe's file is deleted again and nothing of
 * it must survive a crash, which is why it flushes by itself rather than through durable-fs.
 */
export async function flushProbe(dir: string, count = 100): Promise<string> {
  const path = join(dir, "flush-probe");
  const file = await open(path, "w");
  try {
    const run = await measure(count, 1, async () => {
      await file.write(BLOCK, 0, BLOCK.length, 0);
      await file.datasync();
    });
    return `${count} × (4 KiB write + fdatasync) in ${Math.round(run.seconds * 1000)} ms: p50 ${run.p50} ms, p90 ${run.p90} ms, p99 ${run.p99} ms`;
  } finally {
    await file.close();
    await rm(path, { force: true });
  }
}
