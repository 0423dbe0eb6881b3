import { rm, stat } from "node:fs/promises";
import { isOutcomeUnknown } from "@slipway/errors";
import { parseImageConfig } from "./image-config.js";
import type { ImageRecord } from "./image-index.js";
import type { ImageService } from "./image-service.js";

/** What startup recovery found. */
export interface RecoveryReport {
  readonly images: number;
  /** Records that could not be used, each "<what>: <why>"; they stay on disk untouched. */
  readonly broken: string[];
  /** Images whose layers layer-store does not have (not served until the layers return). */
  readonly missingLayers: string[];
  /** Leftovers removed: temp files of interrupted writes (imagedb, distribution/), spools of interrupted loads. */
  readonly removed: string[];
}

const LAYER_STORE_WAIT_MS = 30_000;

/**
 * Rebuilds the in-memory index from imagedb and repositories.json: verifies each config's sha256,
 * parses it, checks its top layer in layer-store, skips and reports whatever is broken, and hands
 * the service what it found. Never throws.
 */
export async function recover(service: ImageService, log: (message: string) => void = () => undefined): Promise<RecoveryReport> {
  const { db, repositories, paths, distribution } = service.deps;
  const broken: string[] = [];
  const missingLayers: string[] = [];
  const removed: string[] = [];
  if (await exists(paths.scratch)) {
    await rm(paths.scratch, { recursive: true, force: true });
    removed.push(paths.scratch);
  }
  removed.push(...(await db.open()), ...(await distribution.open()));
  const loaded = await repositories.load();
  if (loaded.problem) broken.push(loaded.problem);
  const { ids, skipped } = await db.list();
  broken.push(...skipped.map((path) => `${path}: not an image ID`));
  const images: ImageRecord[] = [];
  const deadline = Date.now() + LAYER_STORE_WAIT_MS;
  for (const id of ids) {
    try {
      const configBytes = await db.read(id);
      const config = parseImageConfig(configBytes);
      const top = config.chainIds.at(-1);
      const present = top === undefined ? true : await layerExists(service, top, deadline);
      if (present === false) {
        missingLayers.push(`${id}: layer ${top} is missing from layer-store`);
        continue;
      }
      if (present === "unknown") broken.push(`${id}: layer-store is unreachable, layers not verified`);
      images.push({ id, configBytes, config });
    } catch (err) {
      broken.push(`${id}: ${(err as Error).message}`);
    }
  }
  await service.restore({ images, repositories: loaded.repositories });
  for (const line of [...broken, ...missingLayers]) log(line);
  return { images: images.length, broken, missingLayers, removed };
}

/** Asks layer-store, waiting (until the deadline) while it is still starting; "unknown" if it never answers. */
async function layerExists(service: ImageService, chainId: string, deadline: number): Promise<boolean | "unknown"> {
  for (;;) {
    try {
      return (await service.deps.layers.get(chainId)) !== undefined;
    } catch (err) {
      if (!isOutcomeUnknown(err)) throw err;
      if (Date.now() > deadline) return "unknown";
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
  }
}

async function exists(path: string): Promise<boolean> {
  return stat(path).then(
    () => true,
    () => false,
  );
}
