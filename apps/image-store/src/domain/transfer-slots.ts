/**
 * dockerd's transfer manager limit (max-concurrent-downloads): at most `limit` transfers run at once,
 * engine-wide; the others queue in arrival order, and each is told when it has to wait ("Waiting").
 */
export class TransferSlots {
  private free: number;
  private readonly queue: { start: () => void; abandon: () => void }[] = [];

  constructor(readonly limit: number) {
    this.free = limit;
  }

  /** Resolves with the slot's release once one is free; `onWait` runs when none is free at once. */
  async acquire(signal: AbortSignal, onWait: () => void): Promise<() => void> {
    signal.throwIfAborted();
    if (this.free > 0) {
      this.free--;
      return this.releaser();
    }
    onWait();
    await new Promise<void>((resolve, reject) => {
      const waiter = {
        start: () => (signal.removeEventListener("abort", waiter.abandon), resolve()),
        abandon: () => (this.queue.splice(this.queue.indexOf(waiter), 1), reject(signal.reason)),
      };
      this.queue.push(waiter);
      signal.addEventListener("abort", waiter.abandon, { once: true });
    });
    return this.releaser();
  }

  private releaser(): () => void {
    let released = false;
    return () => {
      if (released) return;
      released = true;
      const next = this.queue.shift();
      if (next) next.start();
      else this.free++;
    };
  }
}
