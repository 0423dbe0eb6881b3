import type { Stats } from "node:fs";
import { fileSyscalls } from "@slipway/durable-fs";
import { OPAQUE_XATTR } from "./extract.js";

/** An overlay2 whiteout: a character device with device number 0/0. */
export function isWhiteout(stats: Stats): boolean {
  return stats.isCharacterDevice() && stats.rdev === 0;
}

/** An overlay2 opaque directory: xattr trusted.overlay.opaque = "y" (the directory itself, not a symlink's target). */
export function isOpaqueDir(path: string): boolean {
  return fileSyscalls.lgetxattr(path, OPAQUE_XATTR)?.toString("latin1") === "y";
}
