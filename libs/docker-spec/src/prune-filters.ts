import { goTimestampNanos, parseGoDuration } from "./go-timestamp.js";

/** The filters dockerd's container and network prunes accept (moby's daemon/prune.go). */
const PRUNE_FILTER_KEYS = new Set(["label", "label!", "until"]);

/** A prune filter dockerd refuses: `invalidParameter` when it answers 400 (an unknown key, say), otherwise 500 (an `until` it cannot use). */
export class PruneFilterError extends Error {
  override name = "PruneFilterError";
  constructor(
    message: string,
    readonly invalidParameter: boolean,
  ) {
    super(message);
  }
}

/** What a prune removes: everything whose labels match `labels` and not `notLabels`, created no later than `until`. */
export interface PruneFilters {
  readonly labels: readonly string[];
  readonly notLabels: readonly string[];
  /** Nanoseconds since the Unix epoch; undefined for no limit. */
  readonly until?: bigint;
}

/** dockerd's checks of a prune's filters, in its order and words: the keys, then `until` (`now` is what a duration counts back from). */
export function parsePruneFilters(filters: Readonly<Record<string, readonly string[]>>, now: Date): PruneFilters {
  for (const key of Object.keys(filters)) {
    if (!PRUNE_FILTER_KEYS.has(key)) throw new PruneFilterError(`Invalid filter '${key}'`, true);
  }
  const until = filters.until ?? [];
  if (until.length > 1) throw new PruneFilterError("more than one until filter specified", false);
  try {
    return {
      labels: filters.label ?? [],
      notLabels: filters["label!"] ?? [],
      until: until.length === 1 ? goTimestampNanos(until[0]!, now) : undefined,
    };
  } catch (err) {
    throw new PruneFilterError((err as Error).message, false);
  }
}

/** daemon/prune.go's until and matchLabels: `label!` excludes only what matches every one of its values. */
export function matchesPruneFilters(filters: PruneFilters, labels: Readonly<Record<string, string>>, createdNanos: bigint): boolean {
  if (filters.until !== undefined && createdNanos > filters.until) return false;
  return matchKeyValueList(filters.labels, labels) && (filters.notLabels.length === 0 || !matchKeyValueList(filters.notLabels, labels));
}

/** filters.MatchKVList: no values matches all; otherwise every `key` or `key=value` must be among the labels. */
export function matchKeyValueList(values: readonly string[] | undefined, labels: Readonly<Record<string, string>>): boolean {
  if (!values || values.length === 0) return true;
  return values.every((value) => {
    const at = value.indexOf("=");
    const key = at < 0 ? value : value.slice(0, at);
    return Object.hasOwn(labels, key) && (at < 0 || labels[key] === value.slice(at + 1));
  });
}

/** The build cache's own filters (moby's builder-next cacheFields): one value at most each. */
const BUILD_CACHE_FIELDS = ["id", "parent", "type", "description", "inuse", "shared", "private"];
/** What dockerd's build cache prune accepts; it takes label and label! without applying them. */
const BUILD_CACHE_FILTER_KEYS = new Set([...BUILD_CACHE_FIELDS, "until", "unused-for", "label", "label!"]);

/** dockerd's checks of `docker builder prune`'s filters (builder-next's Prune and toBuildkitPruneInfo), in its words. */
export function checkBuildCacheFilters(filters: Readonly<Record<string, readonly string[]>>): void {
  for (const key of Object.keys(filters)) {
    if (!BUILD_CACHE_FILTER_KEYS.has(key)) throw new PruneFilterError(`Invalid filter '${key}'`, true);
  }
  const [until, unusedFor] = [filters.until ?? [], filters["unused-for"] ?? []];
  if (until.length > 0 && unusedFor.length > 0) throw new PruneFilterError('conflicting filters: "until" and "unused-for"', true);
  const durations = [...until, ...unusedFor];
  if (durations.length > 1 || BUILD_CACHE_FIELDS.some((key) => (filters[key] ?? []).length > 1)) {
    throw new PruneFilterError("filters expect only one value", true);
  }
  if (durations.length === 0) return;
  try {
    parseGoDuration(durations[0]!);
  } catch (err) {
    const key = unusedFor.length > 0 ? "unused-for" : "until";
    throw new PruneFilterError(`"${key}" filter expects a duration (e.g., '24h'): ${(err as Error).message}`, false);
  }
}
