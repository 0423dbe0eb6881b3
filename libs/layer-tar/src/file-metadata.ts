import { constants } from "node:fs";
import { fileSyscalls } from "@slipway/durable-fs";

const CAPABILITY_XATTR = "security.capability";

/** Makes a FIFO (mknod(2)); the umask applies, so callers chmod it to the exact bits afterwards. */
export function makeFifo(path: string, permissions: number): void {
  fileSyscalls.mknod(Buffer.from(path), constants.S_IFIFO | permissions, 0, 0);
}

/** A file's capabilities: its security.capability xattr as stored, or null when it has none. */
export function readFileCapabilities(path: string): Buffer | null {
  return fileSyscalls.lgetxattr(path, CAPABILITY_XATTR);
}

/**
 * Copies a file's capabilities, the one xattr dockerd's tar-based copy of image content into a volume
 * keeps. Call it after chown, which clears them.
 */
export function copyFileCapabilities(from: string, to: string): void {
  const value = readFileCapabilities(from);
  if (value !== null) fileSyscalls.lsetxattr(Buffer.from(to), Buffer.from(CAPABILITY_XATTR), value);
}
