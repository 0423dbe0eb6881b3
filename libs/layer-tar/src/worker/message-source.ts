/**
 * The chunks a worker receives, as the async iterable applyLayerTar reads: `null` ends it, an Error fails
 * it. Each chunk taken out is acknowledged (`onTaken`), which is the sender's flow control.
 */
export class MessageSource implements AsyncIterable<Uint8Array> {
  private readonly queue: (Uint8Array | Error | null)[] = [];
  private wake: (() => void) | undefined;

  constructor(private readonly onTaken: () => void) {}

  receive(item: Uint8Array | Error | null): void {
    this.queue.push(item);
    this.wake?.();
    this.wake = undefined;
  }

  async *[Symbol.asyncIterator](): AsyncGenerator<Uint8Array> {
    for (;;) {
      while (this.queue.length === 0) await new Promise<void>((resolve) => (this.wake = resolve));
      const item = this.queue.shift()!;
      if (item === null) return;
      if (item instanceof Error) throw item;
      this.onTaken();
      yield item;
    }
  }
}
