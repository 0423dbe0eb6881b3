import type { ServerResponse } from "node:http";
import {
  compareEventTimes,
  eventMatches,
  eventMessageLine,
  EventTimeError,
  eventTimeNow,
  parseEventTime,
  type EngineEvent,
  type EventFilters,
  type EventTime,
} from "@slipway/docker-spec";
import { internal, invalidArgument } from "@slipway/errors";
import { LONGEST_DEADLINE_MS } from "@slipway/grpc-kit";
import type { Backends } from "../backends.js";
import { filtersParam } from "./request.js";
import { writeChunk } from "./responses.js";
import type { RequestContext, Route } from "./router.js";

/** What one `GET /events` asks for, read as dockerd reads it. */
interface EventsQuery {
  readonly since: EventTime | undefined;
  readonly until: EventTime | undefined;
  readonly filters: EventFilters;
}

/**
 * GET /events (`docker events`): the orchestrator's merged stream of the stores' events, filtered and written
 * as dockerd's events.Message lines. With `since` or `until`, the kept events come first; an `until` in the
 * past ends the stream after them, a later one when it comes. A stream that fails after its status line (a
 * reader that fell behind, a store that went away) is cut, so that the CLI reports an error, never a
 * normal end with events missing; so is every stream once `stopping` is aborted.
 */
export function eventRoutes({ orchestrator }: Backends, stopping: AbortSignal): Route[] {
  return [
    {
      method: "GET",
      pattern: /^\/events$/,
      handle: ({ res, query }: RequestContext) => streamEvents(orchestrator, res, eventsQuery(query), stopping),
    },
  ];
}

async function streamEvents(orchestrator: Backends["orchestrator"], res: ServerResponse, request: EventsQuery, stopping: AbortSignal): Promise<void> {
  const { since, until } = request;
  const stop = new AbortController();
  const cut = () => res.destroy();
  res.once("close", () => stop.abort());
  stopping.addEventListener("abort", cut, { once: true });
  const onlyPast = until !== undefined && compareEventTimes(until, eventTimeNow()) < 0;
  const timer = until !== undefined && !onlyPast ? setTimeout(() => stop.abort(), millisUntil(until)) : undefined;
  const watch = { replay: since !== undefined || until !== undefined, since };
  try {
    await writeAnswers(orchestrator.watchEvents(watch, { signal: stop.signal, deadlineMs: LONGEST_DEADLINE_MS }), res, request, onlyPast);
  } catch (err) {
    // Ended on purpose: the client left, until came, or engine-api is stopping.
    if (!stop.signal.aborted) throw err;
  } finally {
    clearTimeout(timer);
    stopping.removeEventListener("abort", cut);
    stop.abort();
  }
  if (!res.headersSent) res.writeHead(200, { "Content-Type": "application/json" });
  res.end();
}

/** The first answer (the replay, without what came after `until`), then the live ones unless `until` has passed. */
async function writeAnswers(answers: AsyncIterable<{ events: EngineEvent[] }>, res: ServerResponse, request: EventsQuery, onlyPast: boolean) {
  const { filters, until } = request;
  let replay = true;
  for await (const { events } of answers) {
    // Sent at once, as dockerd flushes them: a client waits for them before it counts as watching.
    if (!res.headersSent) res.writeHead(200, { "Content-Type": "application/json" }).flushHeaders();
    await writeEvents(res, filters, replay && until !== undefined ? events.filter((e) => compareEventTimes(e.time, until) <= 0) : events);
    if (onlyPast) return;
    replay = false;
  }
}

async function writeEvents(res: ServerResponse, filters: EventFilters, events: readonly EngineEvent[]): Promise<void> {
  const lines = events.filter((event) => eventMatches(filters, event)).map(eventMessageLine);
  if (lines.length > 0) await writeChunk(res, lines.join(""));
}

/** since, until and filters; dockerd answers a time it cannot read with 500 and an until before since with 400. */
function eventsQuery(query: URLSearchParams): EventsQuery {
  const [since, until] = ["since", "until"].map((name) => {
    try {
      return parseEventTime(query.get(name));
    } catch (err) {
      throw err instanceof EventTimeError ? internal(err.message) : err;
    }
  });
  if (since !== undefined && until !== undefined && compareEventTimes(until, since) < 0) {
    throw invalidArgument(`\`since\` time (${query.get("since")}) cannot be after \`until\` time (${query.get("until")})`);
  }
  const filters = Object.fromEntries(Object.entries(filtersParam(query)).map(([key, list]) => [key, list.values]));
  return { since, until, filters };
}

/** Milliseconds from now to a time, within what a timer can wait. */
function millisUntil({ seconds, nanos }: EventTime): number {
  return Math.min(LONGEST_DEADLINE_MS, Math.max(0, seconds * 1000 + nanos / 1e6 - Date.now()));
}
