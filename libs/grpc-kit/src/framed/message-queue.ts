/**
 * The messages of one side of a framed call, from the connection that receives them to whoever iterates them:
 * pushed as they arrive, ended by the other side's End or Status, failed when the call is cut. `taken` is told
 * of each message the reader takes, from which the sender's window is granted (message-window.ts).
 */
export class MessageQueue<T> {
  private readonly items: T[] = [];

  constructor(private readonly taken?: (item: T) => void) {}

  private wake: (() => void) | undefined;
  private ended = false;
  private failure: { error: unknown } | undefined;

  push(item: T): void {
    if (this.ended) return;
    this.items.push(item);
    this.notify();
  }

  end(): void {
    this.ended = true;
    this.notify();
  }

  /** Ends the queue with an error, thrown to the reader once it has taken what was pushed before. */
  fail(error: unknown): void {
    if (this.ended) return;
    this.failure = { error };
    this.end();
  }

  get isEnded(): boolean {
    return this.ended;
  }

  async *[Symbol.asyncIterator](): AsyncIterator<T> {
    for (;;) {
      while (this.items.length > 0) {
        const item = this.items.shift()!;
        this.taken?.(item);
        yield item;
      }
      if (this.ended) break;
      await new Promise<void>((resolve) => (this.wake = resolve));
    }
    if (this.failure) throw this.failure.error;
  }

  private notify(): void {
    const wake = this.wake;
    this.wake = undefined;
    wake?.();
  }
}
