import { familiarString, matchesPruneFilters, parsePruneFilters, PruneFilterError, type PruneFilters } from "@slipway/docker-spec";
import { failedPrecondition, internal, invalidArgument } from "@slipway/errors";
import type { CallContext } from "@slipway/grpc-kit";
import { isObject } from "./go-json.js";
import type { ImageRecord } from "./image-index.js";
import type { ImageService } from "./image-service.js";
import { removeWithinChange, type DeleteItem } from "./remove.js";

const ACCEPTED_FILTERS = new Set(["dangling", "label", "label!", "until"]);

/** What a prune removed, and the bytes of the layers that went with it. */
export interface PruneReport {
  readonly items: DeleteItem[];
  readonly spaceReclaimed: number;
}

/** An image prune's filters: the common prune ones, and whether only dangling images go. */
export interface ImagePruneFilters extends PruneFilters {
  readonly danglingOnly: boolean;
}

/**
 * `docker image prune` as dockerd 20.10 runs it (daemon/images/image_prune.go): every image the filters
 * select (by default those without a tag; with dangling=false all) is removed as a `docker rmi` without
 * force would, reference by reference, so an image a container uses stays; what cannot be removed is
 * skipped. One prune runs at a time, as one change of the service.
 */
export class ImagePruner {
  private running = false;

  constructor(private readonly service: ImageService) {}

  async prune(filters: Record<string, string[]>, ctx?: CallContext): Promise<PruneReport> {
    if (this.running) throw failedPrecondition("a prune operation is already running");
    this.running = true;
    try {
      const checked = imagePruneFilters(filters, new Date());
      return await this.service.change(() => this.pruneSelected(checked, ctx));
    } finally {
      this.running = false;
    }
  }

  private async pruneSelected(filters: ImagePruneFilters, ctx?: CallContext): Promise<PruneReport> {
    const layerSizes = new Map<string, number>();
    const selected: ImageRecord[] = [];
    for (const image of this.service.images.all()) {
      for (const layer of (await this.service.describe(image, ctx)).layers) layerSizes.set(layer.chainId, layer.size);
      if (isSelected(image, filters)) selected.push(image);
    }
    const items: DeleteItem[] = [];
    for (const image of selected) {
      for (const target of this.removalsOf(image, filters.danglingOnly)) {
        items.push(...(await removeWithinChange(this.service, target, false, ctx).catch(() => [])));
      }
    }
    const spaceReclaimed = items.reduce((sum, item) => sum + ("deleted" in item ? (layerSizes.get(item.deleted) ?? 0) : 0), 0);
    return { items, spaceReclaimed };
  }

  /** What dockerd hands ImageDelete for an image: each reference (none if a tag keeps a dangling prune off), or its ID. */
  private removalsOf(image: ImageRecord, danglingOnly: boolean): string[] {
    const refs = this.service.refs.references(image.id);
    if (refs.length === 0) return [image.id];
    if (danglingOnly && refs.some((ref) => ref.digest === undefined)) return [];
    return refs.map(familiarString);
  }
}

/** Go's zero time.Time in nanoseconds since the Unix epoch: the creation time of an image without one. */
const GO_ZERO_TIME_NANOS = -62_135_596_800n * 1_000_000_000n;

/** dockerd's until (on the image's creation time) and labels. */
function isSelected(image: ImageRecord, filters: ImagePruneFilters): boolean {
  // An image without a config (very old) is never filtered out by its labels.
  const applied = isObject(image.config.doc.config) ? filters : { ...filters, labels: [], notLabels: [] };
  return matchesPruneFilters(applied, image.config.labels, createdNanos(image.config.created));
}

/** An RFC 3339 time in nanoseconds since the Unix epoch; Go's zero time when absent or unparsable. */
function createdNanos(rfc3339: string): bigint {
  const ms = Date.parse(rfc3339);
  if (!Number.isFinite(ms)) return GO_ZERO_TIME_NANOS;
  const fraction = /\.(\d{1,9})/.exec(rfc3339)?.[1] ?? "";
  return BigInt(Math.floor(ms / 1000)) * 1_000_000_000n + BigInt(fraction.padEnd(9, "0"));
}

/** dockerd's checks of an image prune's filters, in its order and words: the keys, dangling, then until. */
export function imagePruneFilters(filters: Record<string, string[]>, now: Date): ImagePruneFilters {
  for (const key of Object.keys(filters)) {
    if (!ACCEPTED_FILTERS.has(key)) throw invalidArgument(`Invalid filter '${key}'`);
  }
  const { dangling = [], ...common } = filters;
  const danglingOnly = danglingOnlyOf(dangling);
  try {
    return { ...parsePruneFilters(common, now), danglingOnly };
  } catch (err) {
    if (!(err instanceof PruneFilterError)) throw err;
    throw err.invalidParameter ? invalidArgument(err.message) : internal(err.message);
  }
}

function danglingOnlyOf(values: readonly string[]): boolean {
  if (values.length === 0) return true;
  if (values.includes("false") || values.includes("0")) return false;
  if (values.includes("true") || values.includes("1")) return true;
  throw invalidArgument(`Invalid filter 'dangling=[${values.join(" ")}]'`);
}
