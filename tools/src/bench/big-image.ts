import { randomBytes } from "node:crypto";
import { createReadStream, mkdtempSync, rmSync, statSync } from "node:fs";
import { join } from "node:path";
import { sha256Digest } from "@slipway/docker-spec";
import { TarFileWriter } from "./archive-writer.js";

const MiB = 1024 * 1024;

/** How the generated image is shaped: many small files plus a few large ones, over four layers. */
export interface BigImageShape {
  readonly totalMiB: number;
  readonly smallFiles: number;
  readonly largeFiles: number;
}

function* randomChunks(size: number): Iterable<Buffer> {
  for (let left = size; left > 0; left -= MiB) yield randomBytes(Math.min(MiB, left));
}

/**
 * Writes a docker-save archive `bench-big:1` to `dir`, streaming (nothing large in memory):
 * layer 0 holds the small files, layers 1-3 share the large ones. Returns the archive path and size.
 */
export async function writeBigImage(dir: string, shape: BigImageShape): Promise<{ path: string; bytes: number }> {
  const work = mkdtempSync(join(dir, "big-image-"));
  const smallSize = 4096;
  const largeSize = Math.max(MiB, Math.floor((shape.totalMiB * MiB - shape.smallFiles * smallSize) / shape.largeFiles));
  const layers: { file: string; diffId: string }[] = [];
  const small = new TarFileWriter(join(work, "layer0.tar"));
  for (let d = 0; d < Math.ceil(shape.smallFiles / 500); d++) await small.directory(`small/d${d}`);
  for (let i = 0; i < shape.smallFiles; i++) await small.file(`small/d${Math.floor(i / 500)}/f${i}`, smallSize, randomChunks(smallSize));
  layers.push({ file: "layer0.tar", diffId: await small.finish() });
  for (let l = 1; l <= 3; l++) {
    const writer = new TarFileWriter(join(work, `layer${l}.tar`));
    await writer.directory(`large${l}`);
    for (let i = l - 1; i < shape.largeFiles; i += 3) await writer.file(`large${l}/blob${i}`, largeSize, randomChunks(largeSize));
    layers.push({ file: `layer${l}.tar`, diffId: await writer.finish() });
  }
  const config = Buffer.from(
    JSON.stringify({
      architecture: "amd64",
      os: "linux",
      config: { Cmd: ["/bin/sh"], Env: ["PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"] },
      rootfs: { type: "layers", diff_ids: layers.map((l) => l.diffId) },
      history: layers.map(() => ({ created: "2026-11-28T00:00:00Z", created_by: "slipway bench" })),
      created: "2026-11-28T00:00:00Z",
    }),
  );
  const configName = `${sha256Digest(config).slice(7)}.json`;
  const manifest = Buffer.from(JSON.stringify([{ Config: configName, RepoTags: ["bench-big:1"], Layers: layers.map((_, i) => `${i}/layer.tar`) }]));
  const archive = new TarFileWriter(join(dir, "bench-big.tar"));
  await archive.file(configName, config.length, [config]);
  for (const [i, layer] of layers.entries()) {
    await archive.directory(`${i}`);
    const size = statSync(join(work, layer.file)).size;
    await archive.file(`${i}/layer.tar`, size, createReadStream(join(work, layer.file), { highWaterMark: MiB }));
  }
  await archive.file("manifest.json", manifest.length, [manifest]);
  await archive.finish();
  rmSync(work, { recursive: true, force: true });
  return { path: archive.path, bytes: archive.bytes };
}
