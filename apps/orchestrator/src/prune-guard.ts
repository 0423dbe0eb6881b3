import { failedPrecondition } from "@slipway/errors";

/**
 * One prune at a time, as dockerd's pruneRunning flags have it: a prune asked for while one runs is refused
 * with its conflict (409), not queued. dockerd has one flag for the container (and network) prunes, one for
 * the image prunes and one for the volume prunes, so each kind of prune holds its own guard.
 */
export class PruneGuard {
  private running = false;

  async run<T>(prune: () => Promise<T>): Promise<T> {
    if (this.running) throw failedPrecondition("a prune operation is already running");
    this.running = true;
    try {
      return await prune();
    } finally {
      this.running = false;
    }
  }
}
