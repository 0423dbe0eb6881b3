import type { Logger } from "@slipway/grpc-kit";
import type { Stores } from "./stores.js";

/** How long names wait for others to join their KeepVolumes call. */
const GATHER_MS = 50;

/**
 * Marks the anonymous volumes of committed creates kept, many creates per KeepVolumes call, after the
 * creates have answered. Until then such a volume is provisional but mounted by its container's record,
 * which the reconciler never removes; one whose mark is missed (this process stops, or layer-store fails)
 * is kept by the reconciler's next pass, which finds it mounted.
 */
export class VolumeKeeper {
  private pending: string[] = [];
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> = Promise.resolve();

  constructor(
    private readonly layers: Pick<Stores["layers"], "keepVolumes">,
    private readonly logger: Logger,
  ) {}

  keep(names: readonly string[]): void {
    if (names.length === 0) return;
    this.pending.push(...names);
    this.timer ??= setTimeout(() => this.send(), GATHER_MS);
  }

  /** Sends what is pending now and waits for every call sent so far (at shutdown). */
  async flush(): Promise<void> {
    this.send();
    await this.running;
  }

  private send(): void {
    clearTimeout(this.timer);
    this.timer = undefined;
    const names = this.pending.splice(0);
    if (names.length === 0) return;
    this.running = this.running.then(() =>
      this.layers.keepVolumes({ names }).then(
        () => undefined,
        (err: unknown) =>
          this.logger.warn(
            { volumes: names.length, err: (err as Error).message },
            "could not mark committed containers' volumes kept; the reconciler's next pass will",
          ),
      ),
    );
  }
}
