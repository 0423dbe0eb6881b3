import { lstatSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { treeChanges, type Change, type ChangeStat, type PairedEntry } from "@slipway/docker-spec";
import { readFileCapabilities } from "@slipway/layer-tar";
import { mergedRoot } from "./merged-root.js";
import { listMerged, lookupMerged, type MergedEntry } from "./merged-view.js";

/**
 * The changes a mount layer (`upper`) makes to the merged view of the layers below it (uppermost first), as
 * dockerd's overlay2 driver reports them for `docker diff`: ChangesDirs between the mounted container and the
 * mounted stack without its mount layer. Only directories the mount layer takes part in are compared: the
 * rest of both views is the same files.
 */
export function mountLayerChanges(upper: string, lowers: readonly string[]): Change[] {
  return treeChanges(pairOf(upper, "", "", mergedRoot([upper, ...lowers]), mergedRoot(lowers)));
}

function pairOf(upper: string, name: string, relativePath: string, current?: MergedEntry, previous?: MergedEntry): PairedEntry {
  return {
    name,
    current: current && changeStat(current.path),
    previous: previous && changeStat(previous.path),
    children: () => childPairs(upper, relativePath, current!, previous?.stats.isDirectory() ? previous : undefined),
  };
}

/** The children of a directory of the container's view that may differ from the view below, by name. */
function childPairs(upper: string, relativePath: string, current: MergedEntry, previous: MergedEntry | undefined): PairedEntry[] {
  const childPath = (name: string) => (relativePath === "" ? name : `${relativePath}/${name}`);
  if (previous && sameLayers(current.layers, previous.layers)) return [];
  if (previous && current.layers[0] === upper && sameLayers(current.layers.slice(1), previous.layers)) {
    // The same directory with the mount layer's on top: only the names it has can differ.
    return sortedNames(readdirSync(join(upper, relativePath))).map((name) =>
      pairOf(upper, name, childPath(name), lookupMerged(current.layers, childPath(name)), lookupMerged(previous.layers, childPath(name))),
    );
  }
  const currentChildren = listMerged(current, relativePath);
  const previousChildren = previous ? listMerged(previous, relativePath) : new Map<string, MergedEntry>();
  return sortedNames([...new Set([...currentChildren.keys(), ...previousChildren.keys()])]).map((name) =>
    pairOf(upper, name, childPath(name), currentChildren.get(name), previousChildren.get(name)),
  );
}

const sameLayers = (a: readonly string[], b: readonly string[]) => a.length === b.length && a.every((layer, i) => layer === b[i]);

const sortedNames = (names: string[]) => names.sort((a, b) => Buffer.compare(Buffer.from(a), Buffer.from(b)));

function changeStat(path: string): ChangeStat {
  const stats = lstatSync(path, { bigint: true });
  return {
    isDirectory: stats.isDirectory(),
    mode: Number(stats.mode & 0o177777n),
    uid: Number(stats.uid),
    gid: Number(stats.gid),
    rdev: stats.rdev,
    size: stats.size,
    mtimeNs: stats.mtimeNs,
    capability: readFileCapabilities(path)?.toString("latin1") ?? null,
  };
}
