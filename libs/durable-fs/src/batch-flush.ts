import { FsBatch } from "./fs-batch.js";
import { GroupFlush } from "./group-flush.js";
import { native, type RoundError } from "./native.js";
import { removeTree } from "./remove-tree.js";

interface QueuedWrite {
  readonly writes: Buffer;
  /** Renames that publish the writes, made once those are durable; empty for a plain write. */
  readonly renames: Buffer;
  error?: RoundError;
  /** The renames were made, but the flush after them failed. */
  renamed?: boolean;
}

/**
 * Group commit of writes. The callers that ask while a round runs share the next one, a single thread-pool
 * job: every caller's writes applied (each up to its own first failure, the others unaffected), one syncfs(2)
 * of the filesystem, then the renames that publish them and a second syncfs. A caller is answered when its
 * writes, and its renames, are durable.
 *
 * So a crash-safe publish (build, flush, rename, flush) waits for one round, not two with a wait between
 * them, and a round replaces a job per batch, a job per flush and the renames on the main thread: each
 * hand-off to the pool costs the main thread a futex wake (an IPI on a VM) and contends on the pool's one
 * lock. Two rounds may run at once, so a caller waits about one round, not one and a half.
 */
/**
 * Told of each round as it starts, with how many callers share it (in the async context of the call that
 * started it); returns what to call when the round is over. Metrics and traces watch rounds through it.
 */
export type FlushRoundObserver = (callers: number) => (failed: boolean) => void;

export interface BatchFlushOptions {
  readonly roundsInFlight?: number;
  readonly observeRound?: FlushRoundObserver;
}

export class BatchFlush {
  private readonly group: GroupFlush<QueuedWrite>;

  /** `path`: any path on the filesystem to flush. */
  constructor(path: string, { roundsInFlight = 2, observeRound }: BatchFlushOptions = {}) {
    const round = observeRound ? observedRound(observeRound) : runRound;
    this.group = new GroupFlush<QueuedWrite>((queued) => round(queued, path), roundsInFlight);
  }

  /** Applies the batch's writes (taking them out of it) and returns once they are durable. */
  write(batch: FsBatch): Promise<void> {
    return this.writeEncoded(batch.take());
  }

  /**
   * Crash-safe publishing of the directory `from` that the batch builds: its writes made durable, then the
   * rename to `to` made durable, so that `to` is either absent or complete after a crash. On failure what
   * was built is removed again, from wherever it is.
   */
  async publish(batch: FsBatch, from: string, to: string): Promise<void> {
    const rename = new FsBatch();
    rename.rename(from, to);
    const queued: QueuedWrite = { writes: batch.take(), renames: rename.take() };
    try {
      await this.group.request([queued]);
    } catch (err) {
      await removeTree(from);
      throw err;
    }
    if (!queued.error) return;
    await removeTree(queued.renamed ? to : from);
    throw queued.error;
  }

  /** Returns once everything written to the filesystem before the call is durable. */
  flush(): Promise<void> {
    return this.writeEncoded(EMPTY);
  }

  private async writeEncoded(writes: Buffer): Promise<void> {
    const queued: QueuedWrite = { writes, renames: EMPTY };
    await this.group.request([queued]);
    if (queued.error) throw queued.error;
  }
}

const EMPTY = Buffer.alloc(0);

function observedRound(observe: FlushRoundObserver): typeof runRound {
  return async (queued, path) => {
    const over = observe(queued.length);
    try {
      await runRound(queued, path);
    } catch (err) {
      over(true);
      throw err;
    }
    over(queued.some((q) => q.error !== undefined));
  };
}

/** Runs one round; each caller's error (its own, or the failed flush that covered it) is left on its entry. */
async function runRound(queued: QueuedWrite[], path: string): Promise<void> {
  const batches = [...queued.map((q) => q.writes), ...queued.map((q) => q.renames)];
  const encoded = Buffer.allocUnsafe(batches.reduce((size, bytes) => size + 4 + bytes.length, 4));
  let at = encoded.writeUInt32LE(queued.length, 0);
  for (const bytes of batches) {
    at = encoded.writeUInt32LE(bytes.length, at);
    at += bytes.copy(encoded, at);
  }
  const { outcomes, syncError } = await native.applyRound(encoded, path);
  queued.forEach((q, i) => {
    const own = outcomes[i] ?? undefined;
    // A failed first flush fails every caller; a failed second one only those with renames.
    const flushFailed = syncError && (syncError.phase === 1 || q.renames.length > 0) ? syncError : undefined;
    q.error = own ?? flushFailed;
    q.renamed = !own && flushFailed?.phase === 2;
  });
}
