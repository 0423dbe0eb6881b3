import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { takeRandomBytes } from "@slipway/docker-spec";
import { FsBatch, readSmallFileSync, syncWriter, type FsWriter } from "@slipway/durable-fs";
import type { StoreLayout } from "./layout.js";

/** What a child layer needs from its parent's directory: its link id and its own lower chain. */
export interface LayerLinks {
  readonly id: string;
  /** 26-char id of overlay2/l/<link> → ../<id>/diff. */
  readonly link: string;
  /** The parent's lower file ("" for a base layer): l/<link>:l/<link>..., uppermost first. */
  readonly lower: string;
}

const BASE32 = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
const LINK_ID = /^[A-Z2-7]{26}$/;

/** overlay2's link id: 17 random bytes in base32 StdEncoding, first 26 characters. */
export function generateLinkId(): string {
  const bytes = takeRandomBytes(17);
  let bits = 0;
  let value = 0;
  let out = "";
  for (const byte of bytes) {
    value = (value << 8) | byte;
    bits += 8;
    while (bits >= 5) {
      out += BASE32[(value >>> (bits - 5)) & 31];
      bits -= 5;
    }
    value &= (1 << bits) - 1;
  }
  return out.slice(0, 26);
}

export function isLinkId(value: string): boolean {
  return LINK_ID.test(value);
}

/** The lower file of a child of `parent`: the parent's link first, then the parent's own lowers. */
export function childLower(parent: LayerLinks): string {
  return parent.lower === "" ? `l/${parent.link}` : `l/${parent.link}:${parent.lower}`;
}

/**
 * overlay2/<id>/ (0710) and its empty diff/ (0755): what a layer's content is written into. The
 * functions that make layer directories write through `fs`: at once, or into a batch the caller applies.
 */
export function makeLayerDir(layout: StoreLayout, id: string, fs: FsWriter = syncWriter): void {
  fs.mkdir(layout.layerDir(id), 0o710);
  fs.mkdir(layout.diffDir(id), 0o755);
}

/**
 * Completes a layer directory as overlay2's create() does: link file (0644) and its l/ symlink; for a
 * child layer also lower (0644) and work/ (0700). `mounted` adds work/work (0000), which the kernel
 * creates when dockerd mounts a container's layers during create. Nothing is flushed here: callers
 * make the directory durable together with the record that names the layer.
 */
export function finishLayerDir(
  layout: StoreLayout,
  id: string,
  parent: LayerLinks | undefined,
  options: { mounted: boolean },
  fs: FsWriter = syncWriter,
): LayerLinks {
  const dir = layout.layerDir(id);
  const link = generateLinkId();
  const lower = parent ? childLower(parent) : "";
  fs.writeFile(join(dir, "link"), link, 0o644);
  fs.symlink(`../${id}/diff`, layout.linkPath(link));
  if (parent) {
    fs.writeFile(join(dir, "lower"), lower, 0o644);
    fs.mkdir(join(dir, "work"), 0o700);
    if (options.mounted) fs.mkdir(join(dir, "work", "work"), 0o000);
  }
  return { id, link, lower };
}

/** An empty `committed` (0600) in a layer that just got a child, as overlay2 writes it. */
export function markCommitted(layout: StoreLayout, id: string, fs: FsWriter = syncWriter): void {
  fs.writeFile(join(layout.layerDir(id), "committed"), "", 0o600);
}

/** The link id a layer directory records, or undefined when it has none (yet). */
export async function readLinkId(layout: StoreLayout, id: string): Promise<string | undefined> {
  return linkIdOf(layout, id);
}

function linkIdOf(layout: StoreLayout, id: string): string | undefined {
  try {
    const link = readSmallFileSync(join(layout.layerDir(id), "link")).trim();
    return isLinkId(link) ? link : undefined;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "ENOENT") return undefined;
    throw err;
  }
}

export async function readLower(layout: StoreLayout, id: string): Promise<string> {
  try {
    return (await readFile(join(layout.layerDir(id), "lower"), "utf8")).trim();
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === "ENOENT") return "";
    throw err;
  }
}

/** Removes a layer directory and its l/ link (the link first, as overlay2's Remove does), in one thread-pool hand-off. */
export async function removeLayerDir(layout: StoreLayout, id: string): Promise<void> {
  const batch = new FsBatch();
  removeLayerDirInto(batch, layout, id);
  await batch.apply();
}

/** Records removeLayerDir's removals into `batch`, to go with others in the same hand-off. */
export function removeLayerDirInto(batch: FsBatch, layout: StoreLayout, id: string): void {
  let link: string | undefined;
  try {
    link = linkIdOf(layout, id);
  } catch {
    link = undefined; // an unreadable link file: the directory still goes; recovery removes a dangling l/ link
  }
  if (link) batch.removeTree(layout.linkPath(link));
  batch.removeTree(layout.layerDir(id));
}
