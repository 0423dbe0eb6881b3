import { native } from "./native.js";

/**
 * `rm -rf path` in libuv's thread pool as one hand-off, never following symlinks; a path already gone is
 * not an error. Node's fs.rm takes a pool round trip for every entry, which dominated removing a
 * container's layers on a paravirtual VM.
 */
export function removeTree(path: string): Promise<void> {
  return native.removeTree(path);
}
