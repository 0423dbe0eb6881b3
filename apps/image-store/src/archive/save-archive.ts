import { randomBytes } from "node:crypto";
import { createReadStream, createWriteStream } from "node:fs";
import { mkdir, rm, stat } from "node:fs/promises";
import { join } from "node:path";
import { pipeline } from "node:stream/promises";
import { Readable } from "node:stream";
import { digestHex, familiarName, familiarString, type Reference } from "@slipway/docker-spec";
import { failedPrecondition } from "@slipway/errors";
import { encodeTarHeader, tarPadding, tarTrailer } from "@slipway/layer-tar";
import { goJson, sortedNestedMap } from "../domain/go-json.js";
import type { ImageRecord } from "../domain/image-index.js";
import { unixSeconds } from "../domain/image-config.js";
import { v1Id, v1Image, v1Json, withOs } from "./v1-compat.js";

/** An image to save with the tags to record for it. */
export interface ImageToSave {
  readonly image: ImageRecord;
  readonly tags: readonly Reference[];
}

type Content =
  | { readonly kind: "directory" }
  | { readonly kind: "bytes"; readonly data: Buffer }
  | { readonly kind: "layer"; readonly chainId: string }
  | { readonly kind: "symlink"; readonly target: string };

interface Entry {
  readonly name: string;
  readonly mtime: number;
  readonly content: Content;
}

/**
 * The `docker save` archive dockerd 20.10 writes (legacy layout + manifest.json): per layer
 * `<v1 id>/{VERSION,json,layer.tar}`, `<image id hex>.json`, `manifest.json`, `repositories`,
 * entries in lexical order, mtimes from the image's created time (manifest and repositories at 0).
 * Layer tars come from `exportLayer`, spooled to `scratch` one at a time to learn their size.
 */
export async function* saveArchive(
  images: readonly ImageToSave[],
  exportLayer: (chainId: string) => AsyncIterable<Buffer>,
  scratch: string,
): AsyncIterable<Buffer> {
  const entries = layout(images);
  await mkdir(scratch, { recursive: true, mode: 0o700 });
  for (const entry of entries) {
    const { content } = entry;
    if (content.kind === "layer") {
      yield* spooledLayer(entry, exportLayer(content.chainId), scratch);
      continue;
    }
    const size = content.kind === "bytes" ? content.data.length : 0;
    yield entryHeader(entry, size);
    if (content.kind === "bytes") yield Buffer.concat([content.data, tarPadding(size)]);
  }
  yield tarTrailer();
}

/** A header as dockerd's save writes it: Go's FileInfoHeader keeps the file-type bits in the mode; directories end in "/". */
function entryHeader(entry: Entry, size: number): Buffer {
  const { name, mtime, content } = entry;
  if (content.kind === "directory") return encodeTarHeader({ name: `${name}/`, typeflag: "5", mode: 0o40755, mtime });
  if (content.kind === "symlink") return encodeTarHeader({ name, typeflag: "2", mode: 0o120777, mtime, linkname: content.target });
  return encodeTarHeader({ name, typeflag: "0", mode: 0o100644, size, mtime });
}

async function* spooledLayer(entry: Entry, tar: AsyncIterable<Buffer>, scratch: string): AsyncIterable<Buffer> {
  const file = join(scratch, `save-${randomBytes(8).toString("hex")}`);
  try {
    await pipeline(Readable.from(tar), createWriteStream(file, { mode: 0o600 }));
    const { size } = await stat(file);
    yield entryHeader(entry, size);
    for await (const chunk of createReadStream(file, { highWaterMark: 256 * 1024 })) yield chunk as Buffer;
    yield tarPadding(size);
  } finally {
    await rm(file, { force: true });
  }
}

/** Every entry of the archive, sorted as Go's filepath.Walk visits dockerd's export directory. */
function layout(images: readonly ImageToSave[]): Entry[] {
  const entries = new Map<string, Entry>();
  const add = (name: string, mtime: number, content: Content) => entries.set(name, { name, mtime, content });
  const layerPathByDiffId = new Map<string, string>();
  const manifest: unknown[] = [];
  const repositories: Record<string, Record<string, string>> = {};
  for (const { image, tags } of images) {
    const { doc, diffIds, chainIds } = image.config;
    if (diffIds.length === 0) throw failedPrecondition(`image ${image.id} has no layers: empty export - not implemented`);
    const created = unixSeconds(image.config.created);
    const layerDirs: string[] = [];
    let parent = "";
    for (const [i, diffId] of diffIds.entries()) {
      const v1 = v1Image(doc, i === diffIds.length - 1);
      const id = v1Id(v1, chainIds[i]!, parent);
      const dir = digestHex(id);
      if (!entries.has(dir)) {
        add(dir, created, { kind: "directory" });
        add(`${dir}/VERSION`, created, { kind: "bytes", data: Buffer.from("1.0") });
        add(`${dir}/json`, created, { kind: "bytes", data: Buffer.from(v1Json(withOs(v1, doc), dir, parent ? digestHex(parent) : "")) });
        const earlier = layerPathByDiffId.get(diffId);
        add(`${dir}/layer.tar`, created, earlier ? { kind: "symlink", target: `../${earlier}` } : { kind: "layer", chainId: chainIds[i]! });
        layerPathByDiffId.set(diffId, `${dir}/layer.tar`);
      }
      layerDirs.push(dir);
      parent = id;
    }
    add(`${digestHex(image.id)}.json`, created, { kind: "bytes", data: image.configBytes });
    for (const tag of tags) (repositories[familiarName(tag)] ??= {})[tag.tag!] = layerDirs.at(-1)!;
    manifest.push({
      Config: `${digestHex(image.id)}.json`,
      RepoTags: tags.length > 0 ? tags.map(familiarString) : null,
      Layers: layerDirs.map((d) => `${d}/layer.tar`),
    });
  }
  // Go's nil slice: saving nothing gives "null".
  add("manifest.json", 0, { kind: "bytes", data: Buffer.from(`${goJson(manifest.length > 0 ? manifest : null)}\n`) });
  if (Object.keys(repositories).length > 0) {
    add("repositories", 0, { kind: "bytes", data: Buffer.from(`${goJson(sortedNestedMap(repositories))}\n`) });
  }
  return [...entries.values()].sort((a, b) => walkOrder(a.name, b.name));
}

/** filepath.Walk order: component by component, each compared byte-wise (a directory before its children). */
function walkOrder(a: string, b: string): number {
  const pa = a.split("/");
  const pb = b.split("/");
  for (let i = 0; i < Math.min(pa.length, pb.length); i++) {
    const c = Buffer.compare(Buffer.from(pa[i]!), Buffer.from(pb[i]!));
    if (c !== 0) return c;
  }
  return pa.length - pb.length;
}
