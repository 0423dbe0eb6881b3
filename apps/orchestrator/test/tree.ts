import { lstatSync, readdirSync, readlinkSync } from "node:fs";
import { join } from "node:path";

/** Every path under root with its type and mode (and a symlink's target), sorted: a tree to compare. */
export function treeOf(root: string): string[] {
  const lines: string[] = [];
  const walk = (dir: string, prefix: string) => {
    for (const name of readdirSync(dir).sort()) {
      const path = join(dir, name);
      const stat = lstatSync(path);
      const mode = (stat.mode & 0o7777).toString(8).padStart(4, "0");
      if (stat.isSymbolicLink()) lines.push(`${prefix}${name} l ${mode} -> ${readlinkSync(path)}`);
      else if (stat.isDirectory()) {
        lines.push(`${prefix}${name}/ d ${mode}`);
        walk(path, `${prefix}${name}/`);
      } else lines.push(`${prefix}${name} f ${mode} ${stat.size}`);
    }
  };
  walk(root, "");
  return lines;
}
