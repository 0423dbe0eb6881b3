import { internal, invalidArgument } from "@slipway/errors";
import { portRangeProblem, splitProtoPort } from "@slipway/container-rules";
import { matchKeyValueList } from "@slipway/docker-spec";
import type { IndexEntry } from "./summary.js";

const ACCEPTED = new Set([
  "ancestor",
  "before",
  "exited",
  "health",
  "id",
  "isolation",
  "label",
  "name",
  "status",
  "since",
  "volume",
  "network",
  "is-task",
  "publish",
  "expose",
]);
const STATES = new Set(["created", "restarting", "running", "removing", "paused", "exited", "dead"]);
/** Port filters: they match the ports of a running container, so never a created one (as in dockerd 20.10). */
const PORT_FILTERS = ["publish", "expose"];

export type Filters = Record<string, string[]>;

/**
 * dockerd's check of the ps filters: known keys and status values only ("Invalid filter '…'"). An ancestor
 * filter needs the images it names resolved by the caller: container-config knows no images.
 */
export function validateFilters(filters: Filters, ancestorImageIds: ReadonlySet<string> | undefined): void {
  if (filters.ancestor && !ancestorImageIds) throw invalidArgument("an ancestor filter needs the image IDs it names resolved (resolved_images)");
  for (const [key, values] of Object.entries(filters)) {
    if (!ACCEPTED.has(key)) throw invalidArgument(`Invalid filter '${key}'`);
    if (PORT_FILTERS.includes(key)) values.forEach((value) => validatePortFilter(key, value));
    for (const value of key === "status" ? values : []) {
      if (!STATES.has(value)) throw invalidArgument(`Invalid filter 'status=${value}'`);
    }
  }
}

/** portOp: "<port>[/<proto>]" or "<start>-<end>[/<proto>]"; dockerd answers a bad one with a 500. */
function validatePortFilter(key: string, value: string): void {
  if (value.includes(":")) throw internal(`filter for '${key}' should not contain ':': ${value}`);
  const problem = portRangeProblem(splitProtoPort(value)[1]);
  if (problem) throw internal(`error while looking up for ${key} ${value}: ${problem}`);
}

/** filters.Match: no values matches all; otherwise any value as an unanchored Go regexp. */
function matchAny(values: string[] | undefined, source: string): boolean {
  if (!values || values.length === 0) return true;
  return values.some((value) => {
    try {
      return new RegExp(value).test(source);
    } catch {
      return false;
    }
  });
}

/**
 * The per-container filters of includeContainerInList, for created containers (isolation is Windows' alone:
 * ignored, as on Linux). `ancestorImageIds`: the images the ancestor filter names now, which the caller resolves.
 */
export function matches(entry: IndexEntry, filters: Filters, ancestorImageIds: ReadonlySet<string> | undefined): boolean {
  const { summary } = entry;
  const nameOk = summary.names.some((n) => matchAny(filters.name, n) || matchAny(filters.name, n.slice(1)));
  return (
    nameOk &&
    matchAny(filters.id, summary.id) &&
    matchKeyValueList(filters.label, summary.labels) &&
    matchAny(filters.status, summary.state) &&
    (!ancestorImageIds || ancestorImageIds.has(summary.imageId)) &&
    (filters.exited ?? []).length === 0 &&
    (filters.health ?? ["none"]).includes("none") &&
    (filters["is-task"] ?? ["false"]).includes("false") &&
    PORT_FILTERS.every((key) => (filters[key] ?? []).length === 0) &&
    (!filters.volume?.length || summary.mounts.some((m) => filters.volume!.includes(m.name) || filters.volume!.includes(m.destination))) &&
    (!filters.network?.length || entry.networks.some((n) => filters.network!.includes(n)))
  );
}
