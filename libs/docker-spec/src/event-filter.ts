import type { EngineEvent } from "./event-log.js";
import { matchKeyValueList } from "./prune-filters.js";
import { familiarName, InvalidReferenceError, parseNormalizedNamed } from "./reference.js";

/** `docker events --filter`, as each key to its values. */
export type EventFilters = Readonly<Record<string, readonly string[]>>;

/** The object types whose filter matches an event's actor by ID or name, either in full or as a prefix. */
const NAMED_TYPES = ["daemon", "container", "plugin", "volume", "network", "service", "node", "secret", "config"];
/** Event filter values dockerd matches as prefixes rather than whole actions ("health_status: healthy"). */
const PREFIX_ACTIONS = new Set(["health_status", "exec_create", "exec_start"]);

/** Whether dockerd's events filter (daemon/events/filter.go) lets the event through. */
export function eventMatches(filters: EventFilters, event: EngineEvent): boolean {
  return (
    matchesAction(filters.event, event.action) &&
    exactMatch(filters.type, event.type) &&
    exactMatch(filters.scope, "local") &&
    NAMED_TYPES.every((type) => fuzzyMatch(filters[type], event.actorId) || fuzzyMatch(filters[type], event.attributes.name ?? "")) &&
    matchesImage(filters.image, event) &&
    (filters.label === undefined || matchKeyValueList(filters.label, event.attributes))
  );
}

function matchesAction(values: readonly string[] | undefined, action: string): boolean {
  return values?.some((value) => PREFIX_ACTIONS.has(value)) ? fuzzyMatch(values, action) : exactMatch(values, action);
}

/** filters.ExactMatch: no values matches everything, else the source must be one of them. */
function exactMatch(values: readonly string[] | undefined, source: string): boolean {
  return values === undefined || values.length === 0 || values.includes(source);
}

/** filters.FuzzyMatch: an exact match, or a value the source starts with. */
function fuzzyMatch(values: readonly string[] | undefined, source: string): boolean {
  return exactMatch(values, source) || values!.some((value) => source.startsWith(value));
}

/**
 * The image filter: the actor's ID, or its image name (a container's `image` attribute, an image's `name`),
 * as given or without its tag.
 */
function matchesImage(values: readonly string[] | undefined, event: EngineEvent): boolean {
  if (values === undefined || values.length === 0) return true;
  const name = event.attributes[event.type === "image" ? "name" : "image"] ?? "";
  return [event.actorId, name, withoutTag(event.actorId), withoutTag(name)].some((candidate) => values.includes(candidate));
}

/** reference.FamiliarName of the normalised name; what does not parse stays as it is. */
function withoutTag(image: string): string {
  try {
    return familiarName(parseNormalizedNamed(image));
  } catch (err) {
    if (err instanceof InvalidReferenceError) return image;
    throw err;
  }
}
