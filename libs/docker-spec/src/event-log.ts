/**
 * dockerd's events log (daemon/events): the recent events kept in a bounded ring so that `since` can replay
 * them, and watchers that get the replay, then each new event. Unlike dockerd, whose publisher skips a
 * watcher that does not take an event within 100 ms (a silent gap), a watcher here has a bounded queue and,
 * once it overflows, ends with an error saying it fell behind.
 */

/** An instant with nanoseconds, as dockerd's events carry it (`time`, `timeNano`). */
export interface EventTime {
  readonly seconds: number;
  readonly nanos: number;
}

/** One event, as every store publishes it and `GET /events` shows it. */
export interface EngineEvent {
  /** "container", "image" or "volume". */
  readonly type: string;
  readonly action: string;
  readonly actorId: string;
  readonly attributes: Readonly<Record<string, string>>;
  /** Absent only where a protobuf message left it unset: the epoch. */
  readonly time?: EventTime | undefined;
}

/** How many events dockerd keeps for replay (its eventsLimit). */
export const EVENTS_KEPT = 256;
/** How many unread events a watcher may have before it counts as fallen behind (dockerd's bufferSize). */
export const WATCHER_QUEUE_LIMIT = 1024;

const EPOCH: EventTime = { seconds: 0, nanos: 0 };

/** Negative, zero or positive as `a` is before, at or after `b`. */
export function compareEventTimes(a: EventTime | undefined, b: EventTime | undefined): number {
  const x = a ?? EPOCH;
  const y = b ?? EPOCH;
  return x.seconds - y.seconds || x.nanos - y.nanos;
}

/** The wall clock with microseconds (Node's resolution), as an event time. */
export function eventTimeNow(): EventTime {
  const micros = Math.round((performance.timeOrigin + performance.now()) * 1000);
  return { seconds: Math.floor(micros / 1e6), nanos: (micros % 1e6) * 1000 };
}

/** The next event time of a log: `now`, or one nanosecond after the last one, so that times are unique and in order. */
function after(last: EventTime, now: EventTime): EventTime {
  if (compareEventTimes(now, last) > 0) return now;
  return last.nanos < 999_999_999 ? { seconds: last.seconds, nanos: last.nanos + 1 } : { seconds: last.seconds + 1, nanos: 0 };
}

/** Builds the error of a reader that fell behind, of the caller's kind, from its message. */
export type FellBehind = (message: string) => Error;

/**
 * Events waiting for one reader, at most `limit`: past that the queue fails with `fellBehind` and drops
 * what it held, so that its reader learns of the gap instead of missing events unknowingly.
 */
export class EventQueue {
  private events: EngineEvent[] = [];
  private failure: Error | undefined;
  private wake: (() => void) | undefined;

  constructor(
    private readonly limit: number,
    private readonly fellBehind: FellBehind,
  ) {}

  push(events: readonly EngineEvent[]): void {
    if (this.failure) return;
    if (this.events.length + events.length > this.limit) {
      return this.fail(
        this.fellBehind(
          `the events stream fell behind: more than ${this.limit} events were waiting to be read; watch again (docker events --since) to replay the recent ones`,
        ),
      );
    }
    this.events.push(...events);
    this.wake?.();
  }

  /** Ends the queue with an error: its reader gets it once it asks for more. */
  fail(error: Error): void {
    this.failure ??= error;
    this.events = [];
    this.wake?.();
  }

  /** Every event queued, once there is one; undefined once `signal` is aborted; the failure, if any, thrown. */
  async take(signal: AbortSignal): Promise<EngineEvent[] | undefined> {
    while (this.events.length === 0 && !this.failure && !signal.aborted) {
      await new Promise<void>((resolve) => {
        const done = () => (signal.removeEventListener("abort", done), (this.wake = undefined), resolve());
        this.wake = done;
        signal.addEventListener("abort", done);
      });
    }
    if (this.failure) throw this.failure;
    if (signal.aborted) return undefined;
    const taken = this.events;
    this.events = [];
    return taken;
  }
}

/** What a watcher asks for: the kept events at or after `since` first (every kept one when `since` is absent), or none. */
export interface EventWatch {
  readonly replay: boolean;
  readonly since?: EventTime | undefined;
}

export interface EventLogOptions {
  readonly fellBehind: FellBehind;
  readonly kept?: number;
  readonly queueLimit?: number;
  readonly now?: () => EventTime;
}

/**
 * One store's events: `publish` appends to the ring (all it costs when nobody watches) and queues the event
 * for each watcher; `watch` streams the replay, then live events.
 */
export class EventLog {
  private readonly ring: EngineEvent[] = [];
  /** Where the next event goes in the ring once it is full. */
  private oldest = 0;
  private last: EventTime = EPOCH;
  private readonly watchers = new Set<EventQueue>();
  private readonly kept: number;
  private readonly queueLimit: number;
  private readonly now: () => EventTime;

  constructor(private readonly options: EventLogOptions) {
    this.kept = options.kept ?? EVENTS_KEPT;
    this.queueLimit = options.queueLimit ?? WATCHER_QUEUE_LIMIT;
    this.now = options.now ?? eventTimeNow;
  }

  publish(type: string, action: string, actorId: string, attributes: Readonly<Record<string, string>>): void {
    this.last = after(this.last, this.now());
    const event: EngineEvent = { type, action, actorId, attributes, time: this.last };
    if (this.ring.length < this.kept) this.ring.push(event);
    else {
      this.ring[this.oldest] = event;
      this.oldest = (this.oldest + 1) % this.kept;
    }
    for (const watcher of this.watchers) watcher.push([event]);
  }

  /** Ends every watch with `error` (the store is stopping: a watch never ends by itself). */
  endWatches(error: Error): void {
    for (const watcher of this.watchers) watcher.fail(error);
  }

  /** The kept events at or after `since` (every kept one when absent), oldest first. */
  replay(since: EventTime | undefined): EngineEvent[] {
    const ordered = [...this.ring.slice(this.oldest), ...this.ring.slice(0, this.oldest)];
    return since === undefined ? ordered : ordered.filter((event) => compareEventTimes(event.time, since) >= 0);
  }

  /**
   * The replay (empty unless asked for), then each batch of new events, until `signal` is aborted; fails
   * with `fellBehind` once this watcher has more than the queue limit unread.
   */
  async *watch({ replay, since }: EventWatch, signal: AbortSignal): AsyncIterable<{ events: EngineEvent[] }> {
    const queue = new EventQueue(this.queueLimit, this.options.fellBehind);
    this.watchers.add(queue);
    try {
      yield { events: replay ? this.replay(since) : [] };
      for (;;) {
        const events = await queue.take(signal);
        if (events === undefined) return;
        yield { events };
      }
    } finally {
      this.watchers.delete(queue);
    }
  }
}
