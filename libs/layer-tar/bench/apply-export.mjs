// Measures applyLayerTar / exportLayerTar on generated layers: MB/s and RSS growth.
// Usage: npm run bench -w @slipway/layer-tar [-- big|small [gzip]]   (writes under $BENCH_DIR or the OS temp dir)
import { closeSync, createReadStream, createWriteStream, mkdirSync, mkdtempSync, openSync, rmSync, statSync, writeSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pipeline } from "node:stream/promises";
import { createGzip } from "node:zlib";
import { applyLayerTar, exportLayerTar } from "../dist/index.js";
import { TarWriter, noise, tarHeader } from "../dist/testing/index.js";

const [kind = "big", compression = "plain"] = process.argv.slice(2);
const work = mkdtempSync(join(process.env.BENCH_DIR ?? tmpdir(), "layer-tar-bench-"));

/** big: 6 files of 50 MiB (300 MiB); small: 20,000 files of 1-4 KB in 100 dirs. Written in pieces. */
function writeLayer(path) {
  const fd = openSync(path, "w");
  if (kind === "big") {
    const chunk = noise(1 << 20, 3);
    writeSync(fd, new TarWriter().dir("data/").bytes());
    for (let f = 0; f < 6; f++) {
      writeSync(fd, tarHeader({ name: `data/f${f}`, size: 50 << 20 }));
      for (let i = 0; i < 50; i++) writeSync(fd, chunk);
    }
  } else {
    for (let d = 0; d < 100; d++) {
      const writer = new TarWriter().dir(`d${d}/`);
      for (let f = 0; f < 200; f++) writer.file(`d${d}/file-${f}.txt`, noise(1000 + ((f * 37) % 3000), f));
      writeSync(fd, writer.bytes());
    }
  }
  writeSync(fd, Buffer.alloc(1024));
  closeSync(fd);
}

try {
  const tar = join(work, "layer.tar");
  writeLayer(tar);
  let input = tar;
  if (compression === "gzip") {
    input = `${tar}.gz`;
    await pipeline(createReadStream(tar), createGzip(), createWriteStream(input));
  }
  const size = statSync(tar).size;
  const diff = join(work, "diff");
  mkdirSync(diff);
  const rss = process.memoryUsage().rss;
  let peak = rss;
  const sampler = setInterval(() => (peak = Math.max(peak, process.memoryUsage().rss)), 20);
  const started = performance.now();
  const layer = await applyLayerTar(createReadStream(input, { highWaterMark: 256 * 1024 }), diff);
  const applied = performance.now();
  let exported = 0;
  for await (const chunk of exportLayerTar(diff, layer.tarSplit)) exported += chunk.length;
  const done = performance.now();
  clearInterval(sampler);
  const rate = (bytes, ms) => (bytes / 1e6 / (ms / 1000)).toFixed(0);
  console.log(
    `${kind} ${compression}: ${(size / 1e6).toFixed(1)} MB tar, apply ${(applied - started).toFixed(0)} ms (${rate(size, applied - started)} MB/s), ` +
      `export ${(done - applied).toFixed(0)} ms (${rate(exported, done - applied)} MB/s), RSS +${((peak - rss) / 1e6).toFixed(1)} MB`,
  );
} finally {
  rmSync(work, { recursive: true, force: true });
}
