import { lstat, readdir } from "node:fs/promises";
import { join } from "node:path";

export interface DiskUsage {
  readonly inodes: number;
  readonly bytes: number;
}

/** Inodes and allocated bytes (st_blocks) under each path, counting hard-linked inodes once, like du. */
export async function diskUsage(paths: readonly string[]): Promise<DiskUsage> {
  const seen = new Set<string>();
  let inodes = 0;
  let bytes = 0;
  const walk = async (path: string): Promise<void> => {
    const stats = await lstat(path).catch(() => undefined);
    if (!stats) return;
    const key = `${stats.dev}:${stats.ino}`;
    if (seen.has(key)) return;
    seen.add(key);
    inodes++;
    bytes += stats.blocks * 512;
    if (stats.isDirectory()) for (const name of await readdir(path)) await walk(join(path, name));
  };
  for (const path of paths) await walk(path);
  return { inodes, bytes };
}

/** What one created container adds on disk: containers/, layerdb/mounts, overlay2, volumes. */
export function createFootprintPaths(dataRoot: string): string[] {
  return ["containers", "image/overlay2/layerdb/mounts", "overlay2", "volumes"].map((p) => join(dataRoot, p));
}
