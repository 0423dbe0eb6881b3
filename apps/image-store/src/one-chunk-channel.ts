/** A hand-over point for one chunk at a time between a producer and an async-iterating consumer. */
export class OneChunkChannel {
  private pending: { chunk: Buffer; taken: () => void; failed: (err: unknown) => void } | undefined;
  private waiting: (() => void) | undefined;
  private closed = false;
  private failure: { err: unknown } | undefined;

  /** Resolves once the consumer took the chunk; rejects if the consumer failed or stopped. */
  put(chunk: Buffer): Promise<void> {
    if (this.failure) return Promise.reject(this.failure.err);
    return new Promise((taken, failed) => {
      this.pending = { chunk, taken, failed };
      this.wake();
    });
  }

  close(): void {
    this.closed = true;
    this.wake();
  }

  fail(err: unknown): void {
    if (this.closed) return;
    this.failure = { err };
    this.pending?.failed(err);
    this.pending = undefined;
  }

  async *chunks(): AsyncIterable<Buffer> {
    for (;;) {
      if (this.pending) {
        const { chunk, taken } = this.pending;
        this.pending = undefined;
        taken();
        yield chunk;
        continue;
      }
      if (this.closed) return;
      await new Promise<void>((resolve) => (this.waiting = resolve));
    }
  }

  private wake(): void {
    const waiting = this.waiting;
    this.waiting = undefined;
    waiting?.();
  }
}
