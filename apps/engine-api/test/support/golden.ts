import { execFileSync } from "node:child_process";
import { existsSync, lstatSync, readdirSync, readlinkSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";

const BUILD_SCRIPT = fileURLToPath(new URL("../../../../tools/golden/build-golden-image.sh", import.meta.url));

/** The docker-save archive of golden:1: /tmp/golden.tar when present, else built with the local dockerd. */
export function goldenArchive(tmp: string): string {
  if (existsSync("/tmp/golden.tar")) return "/tmp/golden.tar";
  const out = join(tmp, "golden.tar");
  execFileSync(BUILD_SCRIPT, [out], { stdio: ["ignore", "inherit", "inherit"] });
  return out;
}

/** The image ID ("sha256:<hex>") an archive's manifest names. */
export function archiveImageId(archive: string): string {
  const manifest = JSON.parse(execFileSync("tar", ["-xOf", archive, "manifest.json"], { encoding: "utf8" })) as { Config: string }[];
  return `sha256:${manifest[0]!.Config.replace(/\.json$/, "")}`;
}

/** Every file, dir and symlink under root as "type path[ -> target]", sorted; for before/after comparisons. */
export function tree(root: string): string[] {
  const entries: string[] = [];
  const walk = (dir: string, rel: string) => {
    for (const name of readdirSync(dir)) {
      const path = join(dir, name);
      const relPath = rel ? `${rel}/${name}` : name;
      const stat = lstatSync(path);
      if (stat.isSymbolicLink()) entries.push(`link ${relPath} -> ${readlinkSync(path)}`);
      else if (stat.isDirectory()) {
        entries.push(`dir  ${relPath}`);
        walk(path, relPath);
      } else entries.push(`file ${relPath}`);
    }
  };
  if (existsSync(root)) walk(root, "");
  return entries.sort();
}
