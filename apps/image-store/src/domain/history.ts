import { isObject } from "./go-json.js";
import type { ResolvedImage } from "./image-service.js";

/** One line of `docker history` (dockerd's HistoryResponseItem). */
export interface HistoryEntry {
  readonly id: string;
  /** Unix seconds. */
  readonly created: number;
  readonly createdBy: string;
  readonly tags: readonly string[];
  /** Bytes of the layer the entry added; 0 for an empty-layer entry. */
  readonly size: number;
  readonly comment: string;
}

/** Go's zero time.Time in Unix seconds: an entry without a creation time. */
const GO_ZERO_TIME_UNIX = -62_135_596_800;

/**
 * dockerd 20.10's ImageHistory: one entry per entry of the config's history, newest first, each non-empty
 * one with the size of the next layer of the chain. The newest carries the image's ID and tags; dockerd
 * fills the older ones from the image's parent chain, and an image that was loaded or pulled has no parent,
 * so they read "<missing>".
 */
export function imageHistory(image: ResolvedImage): HistoryEntry[] {
  const raw = image.config.doc.history;
  const history = Array.isArray(raw) ? raw.map((h) => (isObject(h) ? h : {})) : [];
  let layer = 0;
  const entries = history.map((h): HistoryEntry => {
    const size = h.empty_layer === true ? 0 : (image.layers[layer++]?.size ?? 0);
    return { id: "<missing>", created: goUnixSeconds(h.created), createdBy: text(h.created_by), tags: [], size, comment: text(h.comment) };
  });
  entries.reverse();
  if (entries.length > 0) entries[0] = { ...entries[0]!, id: image.id, tags: image.repoTags };
  return entries;
}

/** time.Time.Unix() of an RFC3339 value as Go decodes it; the zero time when absent or unparsable. */
function goUnixSeconds(value: unknown): number {
  const ms = typeof value === "string" ? Date.parse(value) : NaN;
  return Number.isFinite(ms) ? Math.floor(ms / 1000) : GO_ZERO_TIME_UNIX;
}

function text(value: unknown): string {
  return typeof value === "string" ? value : "";
}
