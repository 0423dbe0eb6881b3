/** How many messages of a call's stream one side may send before the other grants more (a Window frame). */
export const MESSAGE_WINDOW = 32;

/**
 * The messages one side may still send on a call's stream. The other side grants more as its reader takes them,
 * so that a reader that falls behind holds the writer back, as HTTP/2's flow control does, instead of letting
 * its messages pile up in memory.
 */
export class SendWindow {
  private credit = MESSAGE_WINDOW;
  private closed = false;
  private granted: (() => void) | undefined;

  grant(count: number): void {
    this.credit += count;
    this.wake();
  }

  /** The call is over: nobody waits for a grant any more. */
  close(): void {
    this.closed = true;
    this.wake();
  }

  /** Resolves once one more message may be sent (or the call is over), and counts it as sent. */
  async next(): Promise<void> {
    while (this.credit === 0 && !this.closed) await new Promise<void>((resolve) => (this.granted = resolve));
    this.credit--;
  }

  private wake(): void {
    const granted = this.granted;
    this.granted = undefined;
    granted?.();
  }
}

/** The receiving side's count of messages its reader took: every half window, `grant` tells the sender. */
export function grantAsTaken(grant: (count: number) => void): () => void {
  let taken = 0;
  return () => {
    if (++taken < MESSAGE_WINDOW / 2) return;
    grant(taken);
    taken = 0;
  };
}
