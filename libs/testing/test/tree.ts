import { lstatSync, readdirSync } from "node:fs";
import { join } from "node:path";

/** Every path below dir, directories included (not following symlinks). */
export function walk(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    return entry.isDirectory() ? [path, ...walk(path)] : [path];
  });
}

/** The paths below dir that are not owned by root:root. */
export function notOwnedByRoot(dir: string): string[] {
  return walk(dir).filter((path) => {
    const st = lstatSync(path);
    return st.uid !== 0 || st.gid !== 0;
  });
}
