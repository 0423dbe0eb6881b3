import type { Logger } from "@slipway/grpc-kit";

/** One undo; each is idempotent (undoing what is already gone succeeds). */
interface Step {
  readonly what: string;
  readonly undo: () => Promise<unknown>;
}

/**
 * The undo steps of one create, run in reverse. Undo calls carry their own deadline, not the caller's:
 * a client that gave up must not stop the cleanup. Failures are logged and left to the reconciler.
 */
export class Rollback {
  private steps: Step[] = [];

  constructor(
    private readonly containerId: string,
    private readonly logger: Logger,
  ) {}

  push(what: string, undo: () => Promise<unknown>): void {
    this.steps.push({ what, undo });
  }

  /** Drops every step except `what`; the dropped objects stay for the reconciler. */
  keepOnly(what: string, reason: string): void {
    const kept = this.steps.filter((s) => s.what === what);
    const left = this.steps.filter((s) => s.what !== what).map((s) => s.what);
    if (left.length > 0) this.logger.warn({ containerId: this.containerId, left, reason }, "rollback leaves objects to the reconciler");
    this.steps = kept;
  }

  async run(cause: unknown): Promise<void> {
    const reason = cause instanceof Error ? cause.message : String(cause);
    const undone: string[] = [];
    const failed: string[] = [];
    for (const step of [...this.steps].reverse()) {
      try {
        await step.undo();
        undone.push(step.what);
      } catch (err) {
        failed.push(`${step.what}: ${err instanceof Error ? err.message : String(err)}`);
      }
    }
    this.steps = [];
    const entry = { containerId: this.containerId, reason, undone, failed };
    if (failed.length > 0) this.logger.error(entry, "create failed; rollback incomplete, the reconciler removes the rest");
    else this.logger.warn(entry, "create failed; rolled back");
  }
}
