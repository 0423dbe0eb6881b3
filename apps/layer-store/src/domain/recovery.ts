import { mkdir, readdir, readFile, symlink } from "node:fs/promises";
import { join } from "node:path";
import { isFullId } from "@slipway/docker-spec";
import { isAtomicTempName, readLinks, removeTree } from "@slipway/durable-fs";
import type { Logger } from "@slipway/grpc-kit";
import { BrokenRecordError, readHolders, readLayerRecord, readMountRecords, type LayerRecord, type MountRecord } from "../storage/layerdb.js";
import type { StoreLayout } from "../storage/layout.js";
import { readLinkId, readLower } from "../storage/overlay.js";
import { isBuildingVolume } from "../storage/volumes.js";
import { LayerGraph } from "./layer-graph.js";

/** What startup recovery found; GetStoreStatus reports it. */
export interface RecoveryReport {
  brokenRecords: string[];
  removedPaths: string[];
  recreatedLinks: number;
}

/** What LayerStore and RWLayerStore take over (restore): the layers with every reference counted, and the RW layers. */
export interface RecoveredState {
  layers: LayerGraph;
  rwLayers: Map<string, MountRecord>;
  report: RecoveryReport;
}

const CHAIN_HEX = /^[a-f0-9]{64}$/;
/** Mount records read per batch: bounds memory, and lets the cold-or-warm read choice follow the cache. */
const RECORDS_PER_READ = 1000;

/**
 * Loads every layer and mount and removes what no record names: layerdb/tmp/ write-sets,
 * `*-removing` directories, overlay2 directories and l/ links of unpublished or deleted layers;
 * recreates missing l/ links. A broken record is logged, reported and skipped, never fatal, and the
 * directories it may name are kept.
 */
export async function recoverStore(layout: StoreLayout, logger: Logger): Promise<RecoveredState> {
  const report: RecoveryReport = { brokenRecords: [], removedPaths: [], recreatedLinks: 0 };
  const broken = (err: unknown) => {
    const text = err instanceof Error ? err.message : String(err);
    logger.warn({ record: text }, "skipping a broken record");
    report.brokenRecords.push(text);
  };
  const remove = async (path: string) => {
    await removeTree(path);
    report.removedPaths.push(path);
  };
  await ensureDirectories(layout);
  for (const name of await readdir(layout.layerdbTmp)) await remove(join(layout.layerdbTmp, name));
  // A volume built half way, and a volumes/metadata.db rewrite that never got renamed into place.
  for (const name of await readdir(layout.volumes)) if (isBuildingVolume(name) || isAtomicTempName(name)) await remove(join(layout.volumes, name));

  const named = new Set<string>();
  const records = new Map<string, LayerRecord>();
  for (const name of await readdir(layout.layerdbSha256)) {
    if (name.endsWith("-removing")) await remove(join(layout.layerdbSha256, name));
    else if (!CHAIN_HEX.test(name)) broken(`${join(layout.layerdbSha256, name)}: not a chainID directory`);
    else {
      await readLayerRecord(layout, name).then(
        (r) => (records.set(r.chainId, r), named.add(r.cacheId)),
        async (err) => (broken(err), await protectIds(join(layout.layerdbSha256, name), ["cache-id"], named)),
      );
    }
  }
  const layers = await linkLayers(layout, records, broken);
  await loadHolders(layout, layers, broken, remove);

  const rwLayers = await loadMountRecords(layout, layers, named, broken);
  await sweepOverlay(layout, named, remove);
  report.recreatedLinks = await repairLinks(layout, named, remove);
  return { layers, rwLayers, report };
}

/** Loads layerdb/mounts/*, counting each RW layer on its parent; the IDs they (or broken ones) name go to `named`. */
async function loadMountRecords(
  layout: StoreLayout,
  layers: LayerGraph,
  named: Set<string>,
  broken: (err: unknown) => void,
): Promise<Map<string, MountRecord>> {
  const rwLayers = new Map<string, MountRecord>();
  const mountNames = await readdir(layout.layerdbMounts);
  for (let start = 0; start < mountNames.length; start += RECORDS_PER_READ) {
    const names = mountNames.slice(start, start + RECORDS_PER_READ);
    const records = await readMountRecords(layout, names);
    for (const [i, record] of records.entries()) {
      try {
        if (record instanceof Error) throw record;
        named.add(record.mountId).add(record.initId);
        const parent = record.parentChainId === "" ? undefined : layers.get(record.parentChainId);
        if (record.parentChainId !== "" && !parent) {
          throw new BrokenRecordError(layout.mountRecordDir(names[i]!), `parent layer ${record.parentChainId} is not loaded`);
        }
        if (parent) layers.retainRw(parent.chainId, record.containerId);
        rwLayers.set(names[i]!, record);
      } catch (err) {
        broken(err);
        await protectIds(layout.mountRecordDir(names[i]!), ["mount-id", "init-id"], named);
      }
    }
  }
  return rwLayers;
}

/** Keeps the directories a broken record still names, so that a repair can bring the record back. */
async function protectIds(dir: string, files: string[], named: Set<string>): Promise<void> {
  for (const file of files) {
    const id = (await readFile(join(dir, file), "utf8").catch(() => "")).trim();
    if (id !== "") named.add(id);
  }
}

async function ensureDirectories(layout: StoreLayout): Promise<void> {
  await mkdir(layout.overlayHome, { recursive: true, mode: 0o710 });
  await mkdir(layout.linkDir, { recursive: true, mode: 0o700 });
  await mkdir(layout.layerdb, { recursive: true, mode: 0o700 });
  await mkdir(layout.layerdbSha256, { recursive: true, mode: 0o755 });
  await mkdir(layout.layerdbTmp, { recursive: true, mode: 0o755 });
  await mkdir(layout.layerdbMounts, { recursive: true, mode: 0o755 });
  await mkdir(layout.layerdbHolders, { recursive: true, mode: 0o700 });
  await mkdir(layout.volumes, { recursive: true, mode: 0o701 });
}

/** Adds the layers to a new graph base first (which counts children), with their link and lower. */
async function linkLayers(layout: StoreLayout, records: Map<string, LayerRecord>, broken: (err: unknown) => void): Promise<LayerGraph> {
  const layers = new LayerGraph();
  let pending = [...records.values()];
  while (pending.length > 0) {
    const next: LayerRecord[] = [];
    for (const record of pending) {
      if (record.parentChainId !== "" && !layers.get(record.parentChainId)) {
        next.push(record);
        continue;
      }
      const link = await readLinkId(layout, record.cacheId).catch(() => undefined);
      if (!link) {
        broken(`${layout.layerDir(record.cacheId)}: layer ${record.chainId} has no readable link file`);
        continue;
      }
      const lower = await readLower(layout, record.cacheId);
      layers.add(record, { link, lower }, new Map());
    }
    if (next.length === pending.length) {
      for (const r of next) broken(`${layout.layerRecordDir(r.chainId)}: parent layer ${r.parentChainId} is not loaded`);
      break;
    }
    pending = next;
  }
  return layers;
}

async function loadHolders(
  layout: StoreLayout,
  layers: LayerGraph,
  broken: (err: unknown) => void,
  remove: (path: string) => Promise<void>,
): Promise<void> {
  for (const name of await readdir(layout.layerdbHolders)) {
    const path = join(layout.layerdbHolders, name);
    const layer = CHAIN_HEX.test(name) ? layers.get(`sha256:${name}`) : undefined;
    if (!layer) {
      await remove(path);
      continue;
    }
    try {
      layers.restoreHolders(layer.chainId, await readHolders(layout, layer.chainId));
    } catch (err) {
      broken(err instanceof BrokenRecordError ? err : new BrokenRecordError(path, String(err)));
    }
  }
}

/** Removes overlay2/<id> directories that no loaded or broken record names. */
async function sweepOverlay(layout: StoreLayout, named: Set<string>, remove: (path: string) => Promise<void>): Promise<void> {
  for (const name of await readdir(layout.overlayHome)) {
    if (name === "l" || named.has(name)) continue;
    await remove(layout.layerDir(name));
  }
}

/**
 * Removes l/ links to unnamed layers and recreates the missing links of named ones. A layer that a
 * link already points to has its link (both are written once, the link file first, and never renamed),
 * so only the others have their link file read: 10,000 containers have 20,000 layer directories.
 */
async function repairLinks(layout: StoreLayout, named: Set<string>, remove: (path: string) => Promise<void>): Promise<number> {
  const present = new Set<string>();
  const linked = new Set<string>();
  const names = await readdir(layout.linkDir);
  const targets = await readLinks(names.map((name) => layout.linkPath(name)));
  for (const [i, name] of names.entries()) {
    const target = targets[i];
    const id = typeof target === "string" ? /^\.\.\/([^/]+)\/diff$/.exec(target)?.[1] : undefined;
    if (id && named.has(id)) {
      present.add(name);
      linked.add(id);
    } else {
      await remove(layout.linkPath(name));
    }
  }
  let recreated = 0;
  for (const id of named) {
    if (linked.has(id) || !isFullId(id.replace(/-init$/, ""))) continue;
    const link = await readLinkId(layout, id).catch(() => undefined);
    if (!link || present.has(link)) continue;
    await symlink(`../${id}/diff`, layout.linkPath(link));
    recreated++;
  }
  return recreated;
}
