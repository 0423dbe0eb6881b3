import { invalidArgument, unavailable } from "@slipway/errors";
import { eventsOf } from "../async-queue.js";

/** How long a subscriber has to acknowledge a generation before its stream is ended. */
export const ACK_DEADLINE_MS = 2_000;

/** Starts a timer that calls `expire` after `ms`; the function returned cancels it. */
export type StartTimer = (ms: number, expire: () => void) => () => void;

const startRealTimer: StartTimer = (ms, expire) => {
  const timer = setTimeout(expire, ms);
  return () => clearTimeout(timer);
};

/**
 * Tells the callers that cache ResolveImage answers (WatchImages subscribers) that images changed, and
 * holds a change's answer until every one of them has dropped what it cached. The generation counts
 * changes since the process started (a restart ends every stream, so it needs no persistence); an
 * acknowledgement of N covers every generation up to N. A subscriber that misses the deadline is cut
 * (its stream fails with UNAVAILABLE, and it must not cache until it subscribes again), so a stuck
 * subscriber delays changes by at most one deadline.
 */
export class ImageChanges {
  private generation = 1;
  private readonly subscribers = new Set<Subscriber>();

  constructor(
    private readonly startTimer: StartTimer = startRealTimer,
    private readonly ackDeadlineMs = ACK_DEADLINE_MS,
  ) {}

  /**
   * One subscription: the generations to send, the current one first, then each newer one. It ends when the
   * acknowledgements end or `signal` aborts (the subscriber left), fails with INVALID_ARGUMENT on an
   * acknowledgement of a generation never sent, and with UNAVAILABLE when an acknowledgement came too late.
   */
  watch(acknowledgements: AsyncIterable<number>, signal: AbortSignal): AsyncIterable<number> {
    return eventsOf<number>(async (send) => {
      const subscriber = new Subscriber(send, this.generation);
      this.subscribers.add(subscriber);
      try {
        await Promise.race([subscriber.cut, subscriber.apply(acknowledgements), aborted(signal)]);
      } finally {
        this.subscribers.delete(subscriber);
        subscriber.release();
      }
    });
  }

  /** Ends every subscription (UNAVAILABLE): a stopping image-store does not wait for streams that never end by themselves. */
  endAll(): void {
    for (const subscriber of this.subscribers) subscriber.end(unavailable("image-store is stopping; drop the cache and watch again once it is back"));
  }

  /**
   * Call once a change is visible to lookups: sends a new generation to every subscriber and resolves when
   * each has applied it or was cut for missing the deadline. Never rejects.
   */
  async publish(): Promise<void> {
    const generation = ++this.generation;
    const waitedFor = [...this.subscribers];
    if (waitedFor.length === 0) return;
    const cancelTimer = this.startTimer(this.ackDeadlineMs, () => waitedFor.forEach((s) => s.cutUnlessApplied(generation, this.ackDeadlineMs)));
    await Promise.all(waitedFor.map((s) => s.deliver(generation)));
    cancelTimer();
  }
}

/** One subscription: the newest generation sent, the newest applied, and the changes waiting for it. */
class Subscriber {
  private sent: number;
  private applied = 0;
  private waiting: { readonly generation: number; readonly resolve: () => void }[] = [];
  private fail!: (error: Error) => void;
  /** Rejects when the subscriber is cut. */
  readonly cut = new Promise<never>((_, reject) => (this.fail = reject));

  constructor(
    private readonly send: (generation: number) => void,
    first: number,
  ) {
    this.sent = first;
    send(first);
  }

  /** Sends a generation; resolves once it is applied or the subscription is over. */
  deliver(generation: number): Promise<void> {
    this.sent = generation;
    this.send(generation);
    return new Promise((resolve) => this.waiting.push({ generation, resolve }));
  }

  async apply(acknowledgements: AsyncIterable<number>): Promise<void> {
    for await (const generation of acknowledgements) {
      if (generation > this.sent) throw invalidArgument(`applied_generation ${generation} was never sent (the newest sent is ${this.sent})`);
      this.applied = Math.max(this.applied, generation);
      this.waiting = this.waiting.filter((w) => w.generation > this.applied || (w.resolve(), false));
    }
  }

  cutUnlessApplied(generation: number, deadlineMs: number): void {
    if (this.applied >= generation) return;
    this.end(
      unavailable(
        `image-store ended the watch: image generation ${generation} was not acknowledged within ${deadlineMs} ms; drop the cache and watch again`,
      ),
    );
  }

  end(reason: Error): void {
    this.fail(reason);
  }

  /** The subscription is over: no change waits for it any more. */
  release(): void {
    this.waiting.forEach((w) => w.resolve());
    this.waiting = [];
  }
}

function aborted(signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => (signal.aborted ? resolve() : signal.addEventListener("abort", () => resolve(), { once: true })));
}
