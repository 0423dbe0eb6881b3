import { lstatSync, readlinkSync, type Stats } from "node:fs";
import { byteString, displayName, fsPath } from "./paths.js";

const MAX_SYMLINKS = 40;

/** A path that cannot be resolved inside the layer (escapes it, loops, or runs into a non-directory). */
export class ScopedPathError extends Error {}

export function lstatOrNull(path: string): Stats | null {
  return lstatSync(fsPath(path), { throwIfNoEntry: false }) ?? null;
}

/**
 * The real path of a directory inside `root` (byte strings), resolved one component at a time:
 * symlinks are followed only while they stay inside the root (relative, never above it), so the
 * result contains no symlink and no write through it can leave the root. A missing component is
 * passed to `createMissing` (which must create it as a directory) or, without it, gives null.
 */
export function resolveDirectory(root: string, relative: string, createMissing?: (path: string) => void): string | null {
  const stack: string[] = [];
  const pending = relative.split("/");
  let symlinks = 0;
  while (pending.length > 0) {
    const part = pending.shift()!;
    if (part === "" || part === ".") continue;
    if (part === "..") {
      if (stack.pop() === undefined) throw new ScopedPathError("path passes through a symlink that leads outside the layer");
      continue;
    }
    const path = [root, ...stack, part].join("/");
    const stats = lstatOrNull(path);
    if (stats === null) {
      if (!createMissing) return null;
      createMissing(path);
    } else if (stats.isSymbolicLink()) {
      if (++symlinks > MAX_SYMLINKS) throw new ScopedPathError("too many levels of symbolic links in the path");
      const target = byteString(readlinkSync(fsPath(path), { encoding: "buffer" }));
      if (target.startsWith("/")) {
        throw new ScopedPathError(
          `path passes through symlink "${displayName([...stack, part].join("/"))}" -> "${displayName(target)}", which leads outside the layer`,
        );
      }
      pending.unshift(...target.split("/"));
      continue;
    } else if (!stats.isDirectory()) {
      throw new ScopedPathError(`"${displayName([...stack, part].join("/"))}" is not a directory`);
    }
    stack.push(part);
  }
  return [root, ...stack].join("/");
}
