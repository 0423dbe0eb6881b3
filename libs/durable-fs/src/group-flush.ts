/**
 * Group commit: concurrent callers that ask for a flush while one is running share the next one, so
 * N concurrent writers cost one flush round instead of N, and each caller is answered only after a
 * flush that started after its request (so it covers everything the caller wrote before asking).
 * With `maxInFlight` above 1, a request that finds fewer flushes running starts one at once instead
 * of waiting for the running one to end (pipelined: a caller waits about one flush, not one and a half).
 */
export class GroupFlush<T> {
  private queued: T[] = [];
  private waiting: { resolve: () => void; reject: (err: unknown) => void }[] = [];
  private inFlight = 0;

  constructor(
    private readonly flush: (items: T[]) => Promise<void>,
    private readonly maxInFlight = 1,
  ) {}

  request(items: readonly T[] = []): Promise<void> {
    return new Promise((resolve, reject) => {
      this.queued.push(...items);
      this.waiting.push({ resolve, reject });
      this.startFlushes();
    });
  }

  private startFlushes(): void {
    while (this.waiting.length > 0 && this.inFlight < this.maxInFlight) {
      const items = this.queued;
      const waiting = this.waiting;
      this.queued = [];
      this.waiting = [];
      this.inFlight++;
      // The next flush starts before the waiters of this one are answered: their continuations (the rest of
      // each caller's work) then run while it flushes, instead of delaying it.
      const settle = (answer: (w: (typeof waiting)[number]) => void) => {
        this.inFlight--;
        this.startFlushes();
        waiting.forEach(answer);
      };
      this.flush(items).then(
        () => settle((w) => w.resolve()),
        (err: unknown) => settle((w) => w.reject(err)),
      );
    }
  }
}
