/** How many messages of a call's stream one side may send before the other grants more (a Window frame). */
export const MESSAGE_WINDOW = 32;
/**
 * How many bytes of a call's stream one side may have sent and not yet granted back before it waits (a byte
 * stream's chunks run up to the 4 MiB message limit; 32 of them must not pile up in a slow reader's memory).
 * A message is always sent when nothing is outstanding, however large.
 */
export const BYTE_WINDOW = 2 << 20;

/**
 * The messages one side may still send on a call's stream. The other side grants more as its reader takes them,
 * so that a reader that falls behind holds the writer back, as HTTP/2's flow control does, instead of letting
 * its messages pile up in memory. Grants count messages, which the reader takes in the order they were sent,
 * so a grant of n also returns the bytes of the n oldest messages outstanding.
 */
export class SendWindow {
  private credit = MESSAGE_WINDOW;
  /** Sizes of the messages sent and not yet granted back, oldest first. */
  private readonly outstanding: number[] = [];
  private outstandingBytes = 0;
  private closed = false;
  private granted: (() => void) | undefined;

  grant(count: number): void {
    this.credit += count;
    for (let i = 0; i < count && this.outstanding.length > 0; i++) this.outstandingBytes -= this.outstanding.shift()!;
    this.wake();
  }

  /** The call is over: nobody waits for a grant any more. */
  close(): void {
    this.closed = true;
    this.wake();
  }

  /** Resolves once a message of `bytes` may be sent (or the call is over), and counts it as sent. */
  async next(bytes: number): Promise<void> {
    while (this.full() && !this.closed) await new Promise<void>((resolve) => (this.granted = resolve));
    this.credit--;
    this.outstanding.push(bytes);
    this.outstandingBytes += bytes;
  }

  private full(): boolean {
    return this.credit <= 0 || (this.outstandingBytes >= BYTE_WINDOW && this.outstanding.length > 0);
  }

  private wake(): void {
    const granted = this.granted;
    this.granted = undefined;
    granted?.();
  }
}

/**
 * The receiving side's count of the messages its reader took: every half window of messages or of bytes,
 * `grant` tells the sender how many.
 */
export function grantAsTaken(grant: (count: number) => void): (message: Buffer) => void {
  let taken = 0;
  let takenBytes = 0;
  return (message) => {
    taken++;
    takenBytes += message.length;
    if (taken < MESSAGE_WINDOW / 2 && takenBytes < BYTE_WINDOW / 2) return;
    grant(taken);
    taken = 0;
    takenBytes = 0;
  };
}
