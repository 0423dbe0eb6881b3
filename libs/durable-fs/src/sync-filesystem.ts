import { native } from "./native.js";

/**
 * Flushes everything written to the filesystem that holds `path` (syncfs(2)), off the main thread:
 * one call makes a whole extracted layer or copied tree durable, where an fsync per file would cost
 * one flush each.
 */
export function syncFilesystem(path: string): Promise<void> {
  return native.syncfs(path);
}
