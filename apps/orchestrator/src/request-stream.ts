/**
 * The request side of a streaming call, written as the call goes: `push` sends a message, `end` finishes
 * the stream (the server sees the caller done), `cancel` fails it, which cancels the whole call at once.
 */
export class RequestStream<T> implements AsyncIterable<T> {
  private readonly queued: T[] = [];
  private wake: (() => void) | undefined;
  private state: "open" | "ended" | "cancelled" = "open";

  push(message: T): void {
    if (this.state !== "open") throw new Error(`a message pushed to a stream already ${this.state}`);
    this.queued.push(message);
    this.notify();
  }

  end(): void {
    if (this.state === "open") this.state = "ended";
    this.notify();
  }

  cancel(): void {
    this.state = "cancelled";
    this.notify();
  }

  async *[Symbol.asyncIterator](): AsyncIterator<T> {
    for (;;) {
      while (this.queued.length > 0 && this.state !== "cancelled") yield this.queued.shift()!;
      if (this.state === "cancelled") throw new Error("the caller cancelled the stream");
      if (this.state === "ended") return;
      await new Promise<void>((resolve) => (this.wake = resolve));
    }
  }

  private notify(): void {
    this.wake?.();
    this.wake = undefined;
  }
}
