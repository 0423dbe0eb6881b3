import { closeSync, mkdirSync, openSync, symlinkSync } from "node:fs";
import { dirname, join } from "node:path";
import { lookupMerged, mkdirMerged } from "./merged-view.js";

type InitEntry = { readonly path: string } & ({ readonly kind: "dir" | "file" } | { readonly kind: "symlink"; readonly target: string });

/** What dockerd's initlayer.Setup puts in every container's init layer. */
const INIT_ENTRIES: readonly InitEntry[] = [
  { path: "dev/pts", kind: "dir" },
  { path: "dev/shm", kind: "dir" },
  { path: "proc", kind: "dir" },
  { path: "sys", kind: "dir" },
  { path: ".dockerenv", kind: "file" },
  { path: "etc/resolv.conf", kind: "file" },
  { path: "etc/hosts", kind: "file" },
  { path: "etc/hostname", kind: "file" },
  { path: "dev/console", kind: "file" },
  { path: "etc/mtab", kind: "symlink", target: "/proc/mounts" },
];

/**
 * Fills an init layer's diff/ with what dockerd's Setup leaves in the upper directory of the mounted
 * init layer: a path that is a real directory in the image is left alone; anything else is (re)made:
 * directories 0755, empty files 0755, etc/mtab → /proc/mounts. Parent directories that the image has
 * are copied up with the image's mode and owner, as the kernel does when a child is created in them.
 * Synchronous: a few dozen metadata syscalls (see merged-view.ts).
 */
export function buildInitLayer(upper: string, imageLayers: readonly string[]): void {
  for (const entry of INIT_ENTRIES) {
    const existing = lookupMerged([upper, ...imageLayers], entry.path);
    if (existing?.stats.isDirectory()) continue;
    mkdirMerged(upper, imageLayers, dirname(entry.path), { replaceNonDirectories: true });
    createEntry(join(upper, entry.path), entry);
  }
}

function createEntry(path: string, entry: InitEntry): void {
  if (entry.kind === "dir") mkdirSync(path, { mode: 0o755 });
  else if (entry.kind === "symlink") symlinkSync(entry.target, path);
  else closeSync(openSync(path, "wx", 0o755));
}
