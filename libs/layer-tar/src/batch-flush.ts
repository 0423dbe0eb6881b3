import { GroupFlush } from "@slipway/durable-fs";
import type { FsBatch } from "./fs-batch.js";
import { native } from "./native.js";
import { removeTree } from "./remove-tree.js";

interface QueuedBatch {
  readonly bytes: Buffer;
  error?: Error;
}

/**
 * Group commit of writes: the batches of callers that ask while a round runs are applied together in the
 * next round, each up to its own first failure, followed by one syncfs(2) of the filesystem, all in one
 * thread-pool job. A caller is answered when its writes are applied and durable. Crash-safe publishing is
 * two writes: the new files (then durable), then the rename that publishes them (then durable).
 *
 * One job per round, shared by concurrent creates, replaces a job per batch, a job per flush and the
 * renames on the main thread: each hand-off to the pool costs the main thread a futex wake (an IPI on
 * this VM) and contends on the pool's one lock. Two rounds may run at once, so a caller waits about one
 * round, not one and a half.
 */
export class BatchFlush {
  private readonly group: GroupFlush<QueuedBatch>;

  /** `path`: any path on the filesystem to flush. */
  constructor(path: string, roundsInFlight = 2) {
    this.group = new GroupFlush<QueuedBatch>((queued) => runRound(queued, path), roundsInFlight);
  }

  /** Applies the batch's writes (taking them out of it) and returns once they are durable. */
  async write(batch: FsBatch): Promise<void> {
    const queued: QueuedBatch = { bytes: batch.take() };
    await this.group.request([queued]);
    if (queued.error) throw queued.error;
  }

  /**
   * Crash-safe publishing of the directory `from` that the batch builds: its writes made durable, then the
   * rename to `to` made durable, so that `to` is either absent or complete after a crash. `beforeRename`
   * runs between the two (a failpoint). On failure what was built is removed again, from wherever it is.
   */
  async publish(batch: FsBatch, from: string, to: string, beforeRename: () => void = () => {}): Promise<void> {
    try {
      await this.write(batch);
      beforeRename();
    } catch (err) {
      await removeTree(from);
      throw err;
    }
    batch.rename(from, to);
    try {
      await this.write(batch);
    } catch (err) {
      await removeTree((err as NodeJS.ErrnoException).syscall === "rename" ? from : to);
      throw err;
    }
  }

  /** Returns once everything written to the filesystem before the call is durable. */
  flush(): Promise<void> {
    return this.group.request();
  }
}

async function runRound(queued: QueuedBatch[], path: string): Promise<void> {
  const batches = queued.filter((q) => q.bytes.length > 0);
  const encoded = Buffer.allocUnsafe(batches.reduce((size, q) => size + 4 + q.bytes.length, 4));
  let at = encoded.writeUInt32LE(batches.length, 0);
  for (const q of batches) {
    at = encoded.writeUInt32LE(q.bytes.length, at);
    at += q.bytes.copy(encoded, at);
  }
  const outcomes = await native.applyBatchesAndSync(encoded, path);
  batches.forEach((q, i) => {
    q.error = outcomes[i] ?? undefined;
  });
}
