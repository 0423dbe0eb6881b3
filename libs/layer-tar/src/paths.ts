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

/** Go's path.Clean: the shortest equivalent slash path ("" becomes ".", ".." at the root is dropped). */
export function cleanPath(path: string): string {
  if (path === "") return ".";
  const rooted = path.startsWith("/");
  const out: string[] = [];
  for (const part of path.split("/")) {
    if (part === "" || part === ".") continue;
    if (part !== "..") out.push(part);
    else if (out.length > 0 && out[out.length - 1] !== "..") out.pop();
    else if (!rooted) out.push("..");
  }
  const joined = out.join("/");
  if (rooted) return `/${joined}`;
  return joined === "" ? "." : joined;
}

/** True when a cleaned relative path climbs above its root. */
export function escapesRoot(cleaned: string): boolean {
  return cleaned === ".." || cleaned.startsWith("../");
}
