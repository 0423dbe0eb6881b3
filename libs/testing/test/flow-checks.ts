import { existsSync, readdirSync, readFileSync } from "node:fs";
import { basename, join } from "node:path";
import { isAtomicTempName } from "@slipway/durable-fs";
import { walk } from "./tree.js";

/**
 * What in a data root no container owns: container records, RW layers and overlay2 dirs, volumes,
 * and temp files of atomic writes. `containerIds` are the containers that should exist.
 */
export function orphansIn(dataRoot: string, containerIds: readonly string[]): string[] {
  const ids = new Set(containerIds);
  const layerdb = join(dataRoot, "image/overlay2/layerdb");
  const records = listDir(join(dataRoot, "containers"));
  const mounts = listDir(join(layerdb, "mounts"));
  const owned = new Set(["l"]);
  for (const chain of listDir(join(layerdb, "sha256"))) owned.add(readFileSync(join(layerdb, "sha256", chain, "cache-id"), "utf8"));
  const volumes = new Set<string>();
  for (const id of mounts) {
    const mountId = readFileSync(join(layerdb, "mounts", id, "mount-id"), "utf8");
    owned.add(mountId).add(`${mountId}-init`);
  }
  for (const id of records.filter((r) => ids.has(r))) {
    const config = JSON.parse(readFileSync(join(dataRoot, "containers", id, "config.v2.json"), "utf8")) as {
      MountPoints?: Record<string, { Name?: string }>;
    };
    for (const point of Object.values(config.MountPoints ?? {})) if (point.Name) volumes.add(point.Name);
  }
  return [
    ...records.filter((id) => !ids.has(id)).map((id) => `containers/${id}`),
    ...mounts.filter((id) => !ids.has(id)).map((id) => `layerdb/mounts/${id}`),
    ...listDir(join(dataRoot, "overlay2"))
      .filter((dir) => !owned.has(dir))
      .map((dir) => `overlay2/${dir}`),
    ...listDir(join(dataRoot, "volumes"))
      .filter((v) => /^[0-9a-f]{64}$/.test(v) && !volumes.has(v))
      .map((v) => `volumes/${v}`),
    ...walk(dataRoot).filter((path) => isAtomicTempName(basename(path))),
  ];
}

function listDir(dir: string): string[] {
  return existsSync(dir) ? readdirSync(dir) : [];
}
