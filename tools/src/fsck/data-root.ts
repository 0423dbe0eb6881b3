import { existsSync, lstatSync, readdirSync, readFileSync, readlinkSync } from "node:fs";
import { join } from "node:path";

/**
 * What fsck needs of a data root, read from disk: the records and the references between them, each as
 * its files say it (a file that is missing or unreadable is `undefined`, so the checks can say so).
 */
export interface DataRootSnapshot {
  /** containers/<id>/. */
  readonly containers: readonly ContainerEntry[];
  /** image/overlay2/layerdb/mounts/<container id>/. */
  readonly mounts: readonly MountEntry[];
  /** image/overlay2/layerdb/sha256/<chainID hex>/. */
  readonly layers: readonly LayerEntry[];
  /** overlay2/<id>/, l/ aside. */
  readonly overlayDirs: readonly OverlayDirEntry[];
  /** overlay2/l/<link>: the link's target ("../<id>/diff"). */
  readonly links: ReadonlyMap<string, string>;
  /** volumes/<name>/ (metadata.db and backingFsBlockDev aside). */
  readonly volumes: readonly VolumeEntry[];
  /** image/overlay2/imagedb/content/sha256/<hex>: each image's layer diffIDs. */
  readonly images: readonly ImageEntry[];
  /** image/overlay2/repositories.json: reference → image ID. */
  readonly references: ReadonlyMap<string, string>;
  /** Entries an interrupted write leaves (temp and building names), relative to the data root. */
  readonly leftovers: readonly string[];
}

export interface ContainerEntry {
  readonly id: string;
  /** config.v2.json, parsed; undefined when it is missing or not JSON. */
  readonly config: { ID?: string; Name?: string; MountPoints?: Record<string, { Type?: string; Name?: string }> } | undefined;
  readonly hasHostConfig: boolean;
}

export interface MountEntry {
  readonly containerId: string;
  readonly mountId: string | undefined;
  readonly initId: string | undefined;
  /** The parent chainID; "" for a container of no image. */
  readonly parent: string | undefined;
}

export interface LayerEntry {
  readonly chainId: string;
  readonly cacheId: string | undefined;
  readonly diffId: string | undefined;
  readonly parent: string | undefined;
}

export interface OverlayDirEntry {
  readonly id: string;
  readonly link: string | undefined;
  /** The `lower` file's entries ("l/<link>"); [] for a base layer. */
  readonly lower: readonly string[];
  readonly hasDiff: boolean;
}

export interface VolumeEntry {
  readonly name: string;
  readonly hasData: boolean;
  /** Marked as a create's volume that was never kept (a failed create's leftover when no container mounts it). */
  readonly provisional: boolean;
}

export interface ImageEntry {
  readonly id: string;
  /** rootfs.diff_ids; undefined when the config is not readable. */
  readonly diffIds: readonly string[] | undefined;
}

const LAYERDB = "image/overlay2/layerdb";
const IMAGEDB_CONTENT = "image/overlay2/imagedb/content/sha256";
const PROVISIONAL_MARKER = ".slipway-provisional";

const HEX_ID = /^[a-f0-9]{64}$/;
const OVERLAY_ID = /^[a-f0-9]{64}(-init)?$/;
const VOLUME_NAME = /^[a-zA-Z0-9][a-zA-Z0-9_.-]*$/;
const NONE = /(?!)/;

/** Reads the data root at `root`; a part that does not exist is empty. */
export function readDataRoot(root: string): DataRootSnapshot {
  const leftovers: string[] = [];
  /** The names in `dir` that `record` matches; every other name but `expected` ones is a leftover. */
  const records = (dir: string, record: RegExp, expected: readonly string[] = []) => {
    const names = entries(join(root, dir)).filter((name) => !expected.includes(name));
    leftovers.push(...names.filter((name) => !record.test(name)).map((name) => `${dir}/${name}`));
    return names.filter((name) => record.test(name));
  };
  const at = (...parts: string[]) => join(root, ...parts);
  const snapshot = {
    containers: records("containers", HEX_ID).map((id) => readContainer(at("containers", id), id)),
    mounts: records(`${LAYERDB}/mounts`, HEX_ID).map((id) => readMount(at(LAYERDB, "mounts", id), id)),
    layers: records(`${LAYERDB}/sha256`, HEX_ID).map((hex) => readLayer(at(LAYERDB, "sha256", hex), hex)),
    overlayDirs: records("overlay2", OVERLAY_ID, ["l"]).map((id) => readOverlayDir(at("overlay2", id), id)),
    links: new Map(entries(at("overlay2", "l")).map((link) => [link, readLink(at("overlay2", "l", link))])),
    // backingFsBlockDev: the device node dockerd's local volume driver makes to probe for project quotas.
    volumes: records("volumes", VOLUME_NAME, ["metadata.db", "backingFsBlockDev"]).map((name) => ({
      name,
      hasData: isDir(at("volumes", name, "_data")),
      provisional: existsSync(at("volumes", name, PROVISIONAL_MARKER)),
    })),
    images: entries(at(IMAGEDB_CONTENT)).map((hex) => ({ id: `sha256:${hex}`, diffIds: diffIdsOf(at(IMAGEDB_CONTENT, hex)) })),
    references: readReferences(at("image/overlay2/repositories.json")),
  };
  records(`${LAYERDB}/tmp`, NONE); // write-sets and records being removed: all leftovers once nothing runs
  return { ...snapshot, leftovers };
}

function readContainer(dir: string, id: string): ContainerEntry {
  return {
    id,
    config: parseJson(readText(join(dir, "config.v2.json"))) as ContainerEntry["config"],
    hasHostConfig: existsSync(join(dir, "hostconfig.json")),
  };
}

function readMount(dir: string, containerId: string): MountEntry {
  return {
    containerId,
    mountId: readText(join(dir, "mount-id")),
    initId: readText(join(dir, "init-id")),
    parent: readText(join(dir, "parent")) ?? "",
  };
}

function readLayer(dir: string, hex: string): LayerEntry {
  return {
    chainId: `sha256:${hex}`,
    cacheId: readText(join(dir, "cache-id")),
    diffId: readText(join(dir, "diff")),
    parent: readText(join(dir, "parent")),
  };
}

function readOverlayDir(dir: string, id: string): OverlayDirEntry {
  const lower = readText(join(dir, "lower"));
  return { id, link: readText(join(dir, "link")), lower: lower ? lower.split(":") : [], hasDiff: isDir(join(dir, "diff")) };
}

function diffIdsOf(file: string): readonly string[] | undefined {
  const config = parseJson(readText(file)) as { rootfs?: { diff_ids?: unknown } } | undefined;
  const diffIds = config?.rootfs?.diff_ids;
  return Array.isArray(diffIds) && diffIds.every((d) => typeof d === "string") ? diffIds : undefined;
}

function readReferences(file: string): Map<string, string> {
  const parsed = parseJson(readText(file)) as { Repositories?: Record<string, Record<string, string>> } | undefined;
  return new Map(Object.values(parsed?.Repositories ?? {}).flatMap((tags) => Object.entries(tags)));
}

function entries(dir: string): string[] {
  try {
    return readdirSync(dir).sort();
  } catch {
    return [];
  }
}

function readText(file: string): string | undefined {
  try {
    return readFileSync(file, "utf8").trim();
  } catch {
    return undefined;
  }
}

function readLink(path: string): string {
  try {
    return readlinkSync(path);
  } catch {
    return "";
  }
}

function parseJson(text: string | undefined): unknown {
  if (text === undefined) return undefined;
  try {
    return JSON.parse(text);
  } catch {
    return undefined;
  }
}

function isDir(path: string): boolean {
  try {
    return lstatSync(path).isDirectory();
  } catch {
    return false;
  }
}
