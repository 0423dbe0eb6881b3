import { native } from "./native.js";

/**
 * `rm -rf path` in libuv's thread pool as one hand-off, never following symlinks; a path already gone is
 * not an error. Node's fs.rm takes a pool round trip for every entry, which dominated removing a
 * container's layers on a paravirtual VM. Not durable by itself: after a crash the tree, or part of it, may
 * be back, so a tree whose removal must hold is first renamed, durably, to a name recovery removes.
 */
export function removeTree(path: string): Promise<void> {
  return native.removeTree(path);
}
