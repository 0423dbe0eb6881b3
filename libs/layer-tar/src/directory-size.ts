import { lstat, readdir } from "node:fs/promises";
import { join } from "node:path";

/**
 * The size dockerd records for an overlay2 layer (moby's pkg/directory.Size): the lstat sizes of
 * everything but directories, each inode counted once (hardlinks), symlinks by their target length.
 */
export async function directorySize(dir: string): Promise<number> {
  const seen = new Set<bigint>();
  let size = 0;
  async function walk(path: Buffer): Promise<void> {
    const entries = await readdir(path, { withFileTypes: true, encoding: "buffer" });
    await Promise.all(
      entries.map(async (entry) => {
        const child = Buffer.concat([path, Buffer.from("/"), entry.name]);
        if (entry.isDirectory()) return walk(child);
        const stats = await lstat(child, { bigint: true });
        if (stats.size === 0n || seen.has(stats.ino)) return;
        seen.add(stats.ino);
        size += Number(stats.size);
      }),
    );
  }
  await walk(Buffer.from(join(dir)));
  return size;
}
