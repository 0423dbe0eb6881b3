import { generateRandomId } from "@slipway/docker-spec";
import type { Logger } from "@slipway/grpc-kit";
import type { Stores } from "./stores.js";

/** Until layer-store has answered with its TTL: renew this often (a third of layer-store's TTL). */
const FIRST_RENEWAL_MS = 3_000;

/**
 * This orchestrator's lease in layer-store, renewed every third of its TTL while the process runs. Every
 * create records it with what it makes, so that once this process is gone (its lease lapsed), another
 * orchestrator's reconciler removes what its unfinished creates left without waiting for the grace period.
 * A renewal that fails is retried at the next tick; layer-store keeps an unknown lease for one TTL after it
 * starts, so a restart of either side loses nothing.
 */
export class OrchestratorLease {
  readonly id = generateRandomId();
  private timer: NodeJS.Timeout | undefined;
  private everyMs = FIRST_RENEWAL_MS;
  private stopped = false;

  constructor(
    private readonly layers: Pick<Stores["layers"], "renewLease">,
    private readonly logger: Logger,
  ) {}

  start(): void {
    void this.renew();
  }

  stop(): void {
    this.stopped = true;
    clearTimeout(this.timer);
  }

  private async renew(): Promise<void> {
    try {
      const { ttlMs } = await this.layers.renewLease({ leaseId: this.id });
      this.everyMs = Math.max(100, Number(ttlMs) / 3);
    } catch (err) {
      this.logger.debug({ error: (err as Error).message }, "lease renewal failed; retrying");
    }
    if (!this.stopped) this.timer = setTimeout(() => void this.renew(), this.everyMs).unref();
  }
}
