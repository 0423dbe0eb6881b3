import { cleanPath } from "@slipway/docker-spec";
import type { SystemError } from "@slipway/errors";

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

/**
 * A system call that failed while extracting an entry for a reason outside the layer (a full or read-only
 * disk). It stays a system error (code, errno, syscall, path) so callers word it as Go's os.PathError, and
 * its path is the entry's place inside the layer, as dockerd's chrooted extraction reports it
 * ("write /etc/passwd: no space left on device"), never the data root's.
 */
export class LayerEntrySystemError extends Error {
  readonly code: string;
  readonly errno: number;
  readonly syscall: string;
  readonly path: string;

  constructor(err: SystemError, entry: string) {
    super(`extracting layer entry "${entry}": ${err.message}`, { cause: err });
    this.name = "LayerEntrySystemError";
    this.code = err.code;
    this.errno = err.errno;
    this.syscall = err.syscall;
    this.path = cleanPath(`/${entry}`);
  }
}
