import { randomBytes } from "node:crypto";
import { createReadStream, mkdtempSync, rmSync, statSync } from "node:fs";
import { join } from "node:path";
import { sha256Digest } from "@slipway/docker-spec";
import { TarFileWriter } from "./archive-writer.js";

const MiB = 1024 * 1024;

/** How the generated image is shaped: many small files in the first layers, a few large ones in the layers after them. */
export interface BigImageShape {
  readonly totalMiB: number;
  readonly smallFiles: number;
  readonly largeFiles: number;
  /** How many layers share the small files (each a run of them), and how many the large ones after them. */
  readonly smallFileLayers: number;
  readonly largeFileLayers: number;
}

const SMALL_FILE_SIZE = 4096;
const FILES_PER_DIRECTORY = 500;

function* randomChunks(size: number): Iterable<Buffer> {
  for (let left = size; left > 0; left -= MiB) yield randomBytes(Math.min(MiB, left));
}

/** Small files `first` to `first + count - 1`, 500 to a directory, into a layer; resolves to its diffID. */
async function writeSmallFileLayer(path: string, first: number, count: number): Promise<string> {
  const writer = new TarFileWriter(path);
  const directoryOf = (i: number) => Math.floor(i / FILES_PER_DIRECTORY);
  for (let d = directoryOf(first); d <= directoryOf(first + count - 1); d++) await writer.directory(`small/d${d}`);
  for (let i = first; i < first + count; i++) await writer.file(`small/d${directoryOf(i)}/f${i}`, SMALL_FILE_SIZE, randomChunks(SMALL_FILE_SIZE));
  return writer.finish();
}

/** Large layer `l` of `layerCount` (from 1): every layerCount-th large file from the l-th; resolves to its diffID. */
async function writeLargeFileLayer(path: string, l: number, layerCount: number, files: number, size: number): Promise<string> {
  const writer = new TarFileWriter(path);
  await writer.directory(`large${l}`);
  for (let i = l - 1; i < files; i += layerCount) await writer.file(`large${l}/blob${i}`, size, randomChunks(size));
  return writer.finish();
}

/**
 * Writes a docker-save archive of an image tagged `reference` ("bench-big:1") to `dir`, streaming (nothing large
 * in memory): the small files split over the first layers, the large ones shared by the layers after them. Its
 * files are random, so that every image written is distinct. Returns the archive path and size.
 */
export async function writeBigImage(dir: string, shape: BigImageShape, reference: string): Promise<{ path: string; bytes: number }> {
  const work = mkdtempSync(join(dir, "big-image-"));
  const largeSize = Math.max(MiB, Math.floor((shape.totalMiB * MiB - shape.smallFiles * SMALL_FILE_SIZE) / shape.largeFiles));
  const layers: { file: string; diffId: string }[] = [];
  const perSmallLayer = Math.ceil(shape.smallFiles / shape.smallFileLayers);
  for (let first = 0; first < shape.smallFiles; first += perSmallLayer) {
    const file = `layer${layers.length}.tar`;
    layers.push({ file, diffId: await writeSmallFileLayer(join(work, file), first, Math.min(perSmallLayer, shape.smallFiles - first)) });
  }
  for (let l = 1; l <= shape.largeFileLayers; l++) {
    const file = `layer${layers.length}.tar`;
    layers.push({ file, diffId: await writeLargeFileLayer(join(work, file), l, shape.largeFileLayers, shape.largeFiles, largeSize) });
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
  const manifest = Buffer.from(JSON.stringify([{ Config: configName, RepoTags: [reference], Layers: layers.map((_, i) => `${i}/layer.tar`) }]));
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
