/**
 * Group commit: concurrent callers that ask for a flush while one is running share the next one, so
 * N concurrent writers cost one flush round instead of N, and each caller is answered only after a
 * flush that started after its request (so it covers everything the caller wrote before asking).
 */
export class GroupFlush<T> {
  private queued: T[] = [];
  private waiting: { resolve: () => void; reject: (err: unknown) => void }[] = [];
  private running = false;

  constructor(private readonly flush: (items: T[]) => Promise<void>) {}

  request(items: readonly T[] = []): Promise<void> {
    return new Promise((resolve, reject) => {
      this.queued.push(...items);
      this.waiting.push({ resolve, reject });
      void this.drain();
    });
  }

  private async drain(): Promise<void> {
    if (this.running) return;
    this.running = true;
    while (this.waiting.length > 0) {
      const items = this.queued;
      const waiting = this.waiting;
      this.queued = [];
      this.waiting = [];
      try {
        await this.flush(items);
        for (const w of waiting) w.resolve();
      } catch (err) {
        for (const w of waiting) w.reject(err);
      }
    }
    this.running = false;
  }
}
