import { chainIds } from "@slipway/docker-spec";
import type { DataRootSnapshot } from "./data-root.js";

/** One thing wrong with a data root. */
export interface Problem {
  /** Which check found it (one of CHECKS). */
  readonly check: Check;
  /** What it is about, e.g. "container 3f2a…" (IDs shortened to 12 characters). */
  readonly subject: string;
  readonly detail: string;
}

export const CHECKS = ["containers", "rw layers", "layers", "overlay dirs", "links", "volumes", "images", "leftovers"] as const;
export type Check = (typeof CHECKS)[number];

export interface FsckReport {
  /** How many objects each check looked at. */
  readonly checked: Record<Check, number>;
  readonly problems: readonly Problem[];
}

const short = (id: string) => id.replace(/^sha256:/, "").slice(0, 12);

/**
 * The referential integrity of a data root: every reference points at something (a container's RW layer
 * and volumes, a layer's parent and directory, an image's layers), and everything is referenced by
 * something (no orphan RW layer, layer, directory, link or failed create's volume), as a stock dockerd
 * that adopts the root needs it.
 */
export function checkDataRoot(root: DataRootSnapshot): FsckReport {
  const problems: Problem[] = [];
  const report = (check: Check, subject: string, detail: string) => problems.push({ check, subject, detail });
  const layers = new Map(root.layers.map((layer) => [layer.chainId, layer]));
  const mounts = new Map(root.mounts.map((mount) => [mount.containerId, mount]));
  const dirs = new Map(root.overlayDirs.map((dir) => [dir.id, dir]));
  const volumes = new Map(root.volumes.map((volume) => [volume.name, volume]));

  const mountedVolumes = checkContainers(root, mounts, volumes, report);
  const dirUsers = checkRWLayers(root, layers, dirs, report);
  const referencedLayers = checkImages(root, layers, report);
  checkLayers(root, layers, dirs, mounts, referencedLayers, dirUsers, report);
  checkOverlayDirs(root, dirs, dirUsers, report);
  checkVolumes(root, mountedVolumes, report);
  for (const leftover of root.leftovers) report("leftovers", leftover, "left by an interrupted write or removal");
  const checked = {
    containers: root.containers.length,
    "rw layers": root.mounts.length,
    layers: root.layers.length,
    "overlay dirs": root.overlayDirs.length,
    links: root.links.size,
    volumes: root.volumes.length,
    images: root.images.length,
    leftovers: root.leftovers.length,
  };
  return { checked, problems };
}

type Report = (check: Check, subject: string, detail: string) => void;

/** Each container's record, RW layer and volumes; answers the names of the volumes the containers mount. */
function checkContainers(
  root: DataRootSnapshot,
  mounts: ReadonlyMap<string, unknown>,
  volumes: ReadonlyMap<string, { hasData: boolean }>,
  report: Report,
): Set<string> {
  const mounted = new Set<string>();
  const owners = new Map<string, string>();
  for (const { id, config, hasHostConfig } of root.containers) {
    const subject = `container ${short(id)}`;
    if (!config) {
      report("containers", subject, "config.v2.json is missing or not JSON");
      continue;
    }
    if (config.ID !== id) report("containers", subject, `config.v2.json names container ${JSON.stringify(config.ID)}`);
    if (!hasHostConfig) report("containers", subject, "hostconfig.json is missing");
    if (!mounts.has(id)) report("containers", subject, "has no RW layer (no layerdb/mounts record)");
    const name = config.Name ?? "";
    if (owners.has(name)) report("containers", subject, `has the name ${name} of container ${short(owners.get(name)!)} too`);
    owners.set(name, id);
    for (const [destination, point] of Object.entries(config.MountPoints ?? {})) {
      if (point.Type !== "volume" || !point.Name) continue;
      mounted.add(point.Name);
      if (!volumes.get(point.Name)?.hasData) report("containers", subject, `mounts volume ${point.Name} at ${destination}, which is missing`);
    }
  }
  return mounted;
}

/** Each RW layer's record, directories and parent; answers which overlay directories they use. */
function checkRWLayers(
  root: DataRootSnapshot,
  layers: ReadonlyMap<string, unknown>,
  dirs: ReadonlyMap<string, unknown>,
  report: Report,
): Set<string> {
  const containers = new Set(root.containers.map((c) => c.id));
  const used = new Set<string>();
  for (const { containerId, mountId, initId, parent } of root.mounts) {
    const subject = `RW layer of ${short(containerId)}`;
    if (!containers.has(containerId)) report("rw layers", subject, "belongs to no container (orphan)");
    for (const [file, id] of [
      ["mount-id", mountId],
      ["init-id", initId],
    ] as const) {
      if (id === undefined) report("rw layers", subject, `${file} is missing`);
      else if (!dirs.has(id)) report("rw layers", subject, `${file} names overlay2/${id}, which is missing`);
      else used.add(id);
    }
    if (parent && !layers.has(parent)) report("rw layers", subject, `its parent layer ${short(parent)} is missing`);
  }
  return used;
}

/** Each image's layer chain and each reference's image; answers the chainIDs the images use. */
function checkImages(root: DataRootSnapshot, layers: ReadonlyMap<string, unknown>, report: Report): Set<string> {
  const used = new Set<string>();
  for (const { id, diffIds } of root.images) {
    if (!diffIds) {
      report("images", `image ${short(id)}`, "its config is not readable");
      continue;
    }
    for (const chainId of chainIds(diffIds)) {
      used.add(chainId);
      if (!layers.has(chainId)) report("images", `image ${short(id)}`, `its layer ${short(chainId)} is missing`);
    }
  }
  const images = new Set(root.images.map((image) => image.id));
  for (const [reference, id] of root.references) {
    if (!images.has(id)) report("images", reference, `names image ${short(id)}, which is missing`);
  }
  return used;
}

/** Each layer's record, directory and parent, and that something uses it. */
function checkLayers(
  root: DataRootSnapshot,
  layers: ReadonlyMap<string, { parent: string | undefined }>,
  dirs: ReadonlyMap<string, unknown>,
  mounts: ReadonlyMap<string, { parent: string | undefined }>,
  referenced: ReadonlySet<string>,
  dirUsers: Set<string>,
  report: Report,
): void {
  const parents = new Set([...layers.values(), ...mounts.values()].map((entry) => entry.parent).filter((p): p is string => !!p));
  for (const { chainId, cacheId, diffId, parent } of root.layers) {
    const subject = `layer ${short(chainId)}`;
    if (diffId === undefined) report("layers", subject, "its diff file is missing");
    if (cacheId === undefined) report("layers", subject, "its cache-id file is missing");
    else if (!dirs.has(cacheId)) report("layers", subject, `its directory overlay2/${short(cacheId)} is missing`);
    else dirUsers.add(cacheId);
    if (parent && !layers.has(parent)) report("layers", subject, `its parent layer ${short(parent)} is missing`);
    if (!referenced.has(chainId) && !parents.has(chainId)) report("layers", subject, "no image, layer or container uses it (orphan)");
  }
}

/** Each overlay directory: used, with its diff/, its link and its lower layers' links. */
function checkOverlayDirs(root: DataRootSnapshot, dirs: ReadonlyMap<string, unknown>, used: ReadonlySet<string>, report: Report): void {
  const linked = new Set<string>();
  for (const { id, link, lower, hasDiff } of root.overlayDirs) {
    const subject = `overlay2/${short(id)}${id.endsWith("-init") ? "-init" : ""}`;
    if (!used.has(id)) report("overlay dirs", subject, "no layer or RW layer uses it (orphan)");
    if (!hasDiff) report("overlay dirs", subject, "diff/ is missing");
    if (link === undefined) report("overlay dirs", subject, "its link file is missing");
    else if (!root.links.has(link)) report("overlay dirs", subject, `its link l/${link} is missing`);
    else if (root.links.get(link) !== `../${id}/diff`) report("overlay dirs", subject, `l/${link} does not point at its diff/`);
    else linked.add(link);
    for (const entry of lower) {
      if (!root.links.has(entry.replace(/^l\//, ""))) report("overlay dirs", subject, `its lower layer ${entry} is missing`);
    }
  }
  for (const [link, target] of root.links) {
    if (linked.has(link)) continue;
    const id = /^\.\.\/(.+)\/diff$/.exec(target)?.[1];
    report(
      "links",
      `l/${link}`,
      id && dirs.has(id) ? `points at overlay2/${short(id)}, whose link file names another` : "points at no layer (dangling)",
    );
  }
}

/** Each volume: whole, and not a failed create's leftover. */
function checkVolumes(root: DataRootSnapshot, mounted: ReadonlySet<string>, report: Report): void {
  for (const { name, hasData, provisional } of root.volumes) {
    if (!hasData) report("volumes", `volume ${name}`, "_data is missing");
    if (provisional && !mounted.has(name))
      report("volumes", `volume ${name}`, "made for a create that never committed, and no container mounts it (orphan)");
  }
}
