import { createHash, randomBytes } from "node:crypto";
import { createReadStream, createWriteStream, type WriteStream } from "node:fs";
import { mkdtemp, rm, stat } from "node:fs/promises";
import { once } from "node:events";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, expect, it } from "vitest";
import { tarPadding, tarTrailer } from "@slipway/layer-tar";
import { fileHeader, tarMember } from "./fixtures.js";
import { load, startStack, type Stack } from "./harness.js";

const LAYER_FILE_BYTES = 300 * 1024 * 1024;
const MAX_GROWTH = 100 * 1024 * 1024;

let stack: Stack;
let dir: string;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "image-store-memory-"));
  stack = await startStack();
}, 120_000);
afterAll(async () => {
  await stack?.stop();
  await rm(dir, { recursive: true, force: true });
});

it("loads a 300 MB image with image-store and layer-store each growing by less than 100 MB RSS", async () => {
  const { archive, imageId } = await bigImageArchive(dir);
  const before = { image: await stack.imageStore.peakRss(), layer: await stack.layerStore.peakRss() };
  const events = await load(stack.client, createReadStream(archive, { highWaterMark: 256 * 1024 }) as AsyncIterable<Buffer>);
  expect(events.at(-1)?.loaded?.message).toBe("Loaded image: big:1");
  expect((await stack.client.resolveImage({ reference: "big:1" })).imageId).toBe(imageId);
  const growth = { image: (await stack.imageStore.peakRss()) - before.image, layer: (await stack.layerStore.peakRss()) - before.layer };
  console.log(
    `peak RSS growth while loading ${(await stat(archive)).size} bytes: image-store ${mb(growth.image)} MB, layer-store ${mb(growth.layer)} MB`,
  );
  expect(growth.image).toBeLessThan(MAX_GROWTH);
  expect(growth.layer).toBeLessThan(MAX_GROWTH);
}, 600_000);

const mb = (bytes: number) => (bytes / 1024 / 1024).toFixed(1);

/** A docker-save archive whose one layer holds a 300 MB file, written to disk in 1 MiB pieces. */
async function bigImageArchive(dir: string): Promise<{ archive: string; imageId: string }> {
  const layerPath = join(dir, "layer.tar");
  const layer = createWriteStream(layerPath);
  const diff = createHash("sha256");
  const piece = randomBytes(1024 * 1024);
  const writeLayer = (data: Buffer) => (diff.update(data), write(layer, data));
  await writeLayer(fileHeader("big.bin", LAYER_FILE_BYTES));
  for (let written = 0; written < LAYER_FILE_BYTES; written += piece.length) await writeLayer(piece);
  await writeLayer(tarTrailer());
  layer.end();
  await once(layer, "finish");
  const diffId = `sha256:${diff.digest("hex")}`;
  const config = Buffer.from(
    JSON.stringify({ architecture: "amd64", os: "linux", created: "2026-01-01T00:00:00Z", rootfs: { type: "layers", diff_ids: [diffId] } }),
  );
  const imageId = `sha256:${createHash("sha256").update(config).digest("hex")}`;
  const configName = `${imageId.slice(7)}.json`;
  const manifest = Buffer.from(JSON.stringify([{ Config: configName, RepoTags: ["big:1"], Layers: ["big/layer.tar"] }]));
  const archivePath = join(dir, "big.tar");
  const out = createWriteStream(archivePath);
  const layerSize = (await stat(layerPath)).size;
  await write(out, fileHeader("big/layer.tar", layerSize));
  for await (const chunk of createReadStream(layerPath)) await write(out, chunk as Buffer);
  await write(out, tarPadding(layerSize));
  for (const [name, data] of [
    [configName, config],
    ["manifest.json", manifest],
  ] as const) {
    await write(out, tarMember(name, data));
  }
  await write(out, tarTrailer());
  out.end();
  await once(out, "finish");
  await rm(layerPath);
  return { archive: archivePath, imageId };
}

async function write(stream: WriteStream, data: Buffer): Promise<void> {
  if (!stream.write(data)) await once(stream, "drain");
}
