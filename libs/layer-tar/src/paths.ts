// Tar names are bytes, not necessarily UTF-8. They are handled here as "byte strings" (latin1: one
// char per byte) so that path logic never mangles them, and handed to fs as Buffers.

/** A byte string as the Buffer fs calls take. */
export function fsPath(bytes: string): Buffer {
  return Buffer.from(bytes, "latin1");
}

/** A byte string from a fs path or a tar field. */
export function byteString(value: string | Uint8Array): string {
  return typeof value === "string" ? Buffer.from(value, "utf8").toString("latin1") : Buffer.from(value).toString("latin1");
}

/** A byte string as text for people (invalid UTF-8 shows as U+FFFD). */
export function displayName(bytes: string): string {
  return Buffer.from(bytes, "latin1").toString("utf8");
}

/** True when a cleaned relative path climbs above its root. */
export function escapesRoot(cleaned: string): boolean {
  return cleaned === ".." || cleaned.startsWith("../");
}
