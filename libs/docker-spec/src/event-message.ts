import type { EngineEvent, EventTime } from "./event-log.js";
import { goJsonLine } from "./go-json.js";

/**
 * One line of `GET /events` as dockerd 20.10's json.Encoder writes an events.Message: the legacy status, id
 * and from fields for containers and images only (from: a container's image), then Type, Action, Actor,
 * scope and the time in seconds and nanoseconds.
 */
export function eventMessageLine(event: EngineEvent): string {
  const legacy = event.type === "container" || event.type === "image";
  const { seconds, nanos } = event.time ?? { seconds: 0, nanos: 0 };
  return goJsonLine({
    status: legacy ? event.action : undefined,
    id: legacy ? event.actorId : undefined,
    from: event.type === "container" ? event.attributes.image || undefined : undefined,
    Type: event.type,
    Action: event.action,
    Actor: { ID: event.actorId, Attributes: sortedAttributes(event.attributes) },
    scope: "local",
    time: seconds,
    timeNano: BigInt(seconds) * 1_000_000_000n + BigInt(nanos),
  });
}

/** Go encodes a map with its keys sorted. */
function sortedAttributes(attributes: Readonly<Record<string, string>>): Map<string, string> {
  return new Map(
    Object.keys(attributes)
      .sort()
      .map((key) => [key, attributes[key]!]),
  );
}

/** A `since` or `until` dockerd cannot read. */
export class EventTimeError extends Error {}

/**
 * dockerd's reading of `since` and `until` (timetypes.ParseTimestamps): Unix seconds with an optional
 * fraction, undefined when absent. The CLI turns RFC 3339 times and durations ("10m") into this form first.
 */
export function parseEventTime(value: string | null): EventTime | undefined {
  if (value === null || value === "") return undefined;
  const [whole = "", fraction] = value.split(/\.(.*)/s, 2);
  const seconds = parseGoInt(whole);
  if (fraction === undefined) return { seconds, nanos: 0 };
  const digits = parseGoInt(fraction);
  return { seconds, nanos: Math.trunc(digits * 10 ** (9 - fraction.length)) };
}

/** strconv.ParseInt(s, 10, 64), with Go's message when it fails. */
function parseGoInt(text: string): number {
  if (!/^[+-]?\d+$/.test(text)) throw new EventTimeError(`strconv.ParseInt: parsing ${JSON.stringify(text)}: invalid syntax`);
  return Number(text);
}
