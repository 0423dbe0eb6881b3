import { rm, stat } from "node:fs/promises";
import { SlipwayError } from "@slipway/grpc-kit";
import { parseImageConfig } from "./image-config.js";
import type { ImageService } from "./image-service.js";
import { ReferenceStore } from "./reference-store.js";

/** What startup recovery found. */
export interface RecoveryReport {
  readonly images: number;
  /** Records that could not be used, each "<what>: <why>"; they stay on disk untouched. */
  readonly broken: string[];
  /** Images whose layers layer-store does not have (not served until the layers return). */
  readonly missingLayers: string[];
  /** Leftovers removed: temp files of interrupted writes, spools of interrupted loads. */
  readonly removed: string[];
}

const LAYER_STORE_WAIT_MS = 30_000;

/**
 * Rebuilds the in-memory index from imagedb and repositories.json: verifies each config's sha256,
 * parses it, checks its top layer in layer-store, skips and reports whatever is broken. Never throws.
 */
export async function recover(service: ImageService, log: (message: string) => void = () => undefined): Promise<RecoveryReport> {
  const { db, repositories, paths } = service.deps;
  const report: RecoveryReport = { images: 0, broken: [], missingLayers: [], removed: [] };
  if (await exists(paths.scratch)) {
    await rm(paths.scratch, { recursive: true, force: true });
    report.removed.push(paths.scratch);
  }
  report.removed.push(...(await db.open()));
  const loaded = await repositories.load();
  if (loaded.problem) report.broken.push(loaded.problem);
  service.refs = new ReferenceStore(loaded.repositories);
  const { ids, skipped } = await db.list();
  report.broken.push(...skipped.map((path) => `${path}: not an image ID`));
  const deadline = Date.now() + LAYER_STORE_WAIT_MS;
  for (const id of ids) {
    try {
      const configBytes = await db.read(id);
      const config = parseImageConfig(configBytes);
      const top = config.chainIds.at(-1);
      const present = top === undefined ? true : await layerExists(service, top, deadline);
      if (present === false) {
        report.missingLayers.push(`${id}: layer ${top} is missing from layer-store`);
        continue;
      }
      if (present === "unknown") report.broken.push(`${id}: layer-store is unreachable, layers not verified`);
      service.images.add({ id, configBytes, config });
    } catch (err) {
      report.broken.push(`${id}: ${(err as Error).message}`);
    }
  }
  (report as { images: number }).images = service.images.all().length;
  for (const line of [...report.broken, ...report.missingLayers]) log(line);
  return report;
}

/** Asks layer-store, waiting (until the deadline) while it is still starting; "unknown" if it never answers. */
async function layerExists(service: ImageService, chainId: string, deadline: number): Promise<boolean | "unknown"> {
  for (;;) {
    try {
      return (await service.deps.layers.get(chainId)) !== undefined;
    } catch (err) {
      if (!(err instanceof SlipwayError && err.kind === "unavailable")) throw err;
      if (Date.now() > deadline) return "unknown";
      await new Promise((resolve) => setTimeout(resolve, 250));
    }
  }
}

async function exists(path: string): Promise<boolean> {
  return stat(path).then(() => true, () => false);
}
