import { compareEventTimes, EventQueue, WATCHER_QUEUE_LIMIT, type EngineEvent, type EventWatch } from "@slipway/docker-spec";
import { resourceExhausted, unavailable } from "@slipway/errors";
import { LONGEST_DEADLINE_MS, type CallContext } from "@slipway/grpc-kit";
import type { Stores } from "./stores.js";

/** One WatchEvents answer stream: the replay first, then live events. */
type EventStream = AsyncIterable<{ events: EngineEvent[] }>;

/** `docker events` across the stores, for as long as the orchestrator runs. */
export class EventWatches {
  private readonly stopping = new AbortController();

  constructor(private readonly stores: Stores) {}

  /**
   * Each store's WatchEvents with the caller's request, merged. The store calls end with this one (the caller
   * leaves, or it fails).
   */
  async *watch(request: EventWatch, ctx: CallContext): EventStream {
    const { layers, images, containers } = this.stores;
    const done = new AbortController();
    const opts = { parent: ctx, signal: AbortSignal.any([ctx.signal, done.signal]), deadlineMs: LONGEST_DEADLINE_MS };
    try {
      const streams = [layers.watchEvents(request, opts), images.watchEvents(request, opts), containers.watchEvents(request, opts)];
      yield* mergeEventStreams(streams, opts.signal, this.stopping.signal);
    } finally {
      done.abort();
    }
  }

  /** Ends every watch with UNAVAILABLE: a watch never ends by itself, and would hold the shutdown up. */
  stop(): void {
    this.stopping.abort();
  }
}

/**
 * The streams' replays merged in time order as one answer, then their live events as they arrive, until
 * `signal` is aborted. A stream that fails ends the merge with its error, and one that ends (its store is
 * stopping) or `stopping` with UNAVAILABLE, rather than leaving a gap; a reader more than the queue limit
 * behind ends it with RESOURCE_EXHAUSTED.
 */
export async function* mergeEventStreams(streams: readonly EventStream[], signal: AbortSignal, stopping: AbortSignal): EventStream {
  const iterators = streams.map((stream) => stream[Symbol.asyncIterator]());
  const queue = new EventQueue(WATCHER_QUEUE_LIMIT, resourceExhausted);
  const stop = () => queue.fail(unavailable("the orchestrator is stopping; watch again once it is back"));
  stopping.addEventListener("abort", stop, { once: true });
  try {
    const replays = await Promise.all(iterators.map(async (iterator) => (await iterator.next()).value?.events ?? []));
    yield { events: mergeByTime(replays) };
    if (stopping.aborted) stop();
    for (const iterator of iterators) void forward(iterator, queue);
    for (;;) {
      const events = await queue.take(signal);
      if (events === undefined) return;
      yield { events };
    }
  } finally {
    stopping.removeEventListener("abort", stop);
    // A stream no longer read is ended: an in-process one would otherwise keep its handler, and its store's shutdown, waiting.
    for (const iterator of iterators) void Promise.resolve(iterator.return?.()).catch(() => undefined);
  }
}

/** Events of several streams, each in time order, as one list in time order (a stable merge). */
export function mergeByTime(lists: readonly (readonly EngineEvent[])[]): EngineEvent[] {
  return lists.flat().sort((a, b) => compareEventTimes(a.time, b.time));
}

async function forward(iterator: AsyncIterator<{ events: EngineEvent[] }>, queue: EventQueue): Promise<void> {
  try {
    for (let next = await iterator.next(); !next.done; next = await iterator.next()) queue.push(next.value.events);
    queue.fail(unavailable("a store ended its events stream (it is stopping); watch again once it is back"));
  } catch (err) {
    queue.fail(err as Error);
  }
}
