/**
 * A layer tar that is hostile, corrupt or truncated. `entry` is the tar entry being read when the
 * problem was found (as UTF-8 text), or undefined before the first entry.
 */
export class InvalidLayerError extends Error {
  readonly entry: string | undefined;
  /** The message without the entry, to name a different entry when rethrowing. */
  readonly reason: string;

  constructor(reason: string, entry?: string, options?: { cause?: unknown }) {
    super(entry === undefined ? `invalid layer tar: ${reason}` : `invalid layer tar: entry "${entry}": ${reason}`, options);
    this.name = "InvalidLayerError";
    this.entry = entry;
    this.reason = reason;
  }
}
