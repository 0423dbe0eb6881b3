/**
 * dockerd's layer upload manager for one push (distribution/xfer/upload.go): "Preparing" for every layer,
 * top first; one upload per distinct layer, each in a transfer slot, "Waiting" while none is free; the
 * first failure in layer order ends the push and cancels the uploads still running or waiting.
 */
import type { ProgressSink } from "../progress.js";
import type { TransferSlots } from "../transfer-slots.js";

/** dockerd's default max-concurrent-uploads. */
export const MAX_CONCURRENT_UPLOADS = 5;

export interface QueuedUpload {
  /** What the progress lines are about (the layer's short diffID). */
  readonly id: string;
  /** Uploads with the same key are one upload (the layer's diffID). */
  readonly key: string;
}

export interface UploadQueueOptions {
  readonly emit: ProgressSink;
  readonly signal: AbortSignal;
  readonly slots: TransferSlots;
}

/** Runs `upload` for each distinct item; the results come back in the items' order. */
export async function uploadAll<I extends QueuedUpload, T>(
  items: readonly I[],
  upload: (item: I, signal: AbortSignal) => Promise<T>,
  { emit, signal: callSignal, slots }: UploadQueueOptions,
): Promise<T[]> {
  const stop = new AbortController();
  const signal = AbortSignal.any([callSignal, stop.signal]);
  for (const item of items) emit({ id: item.id, status: "Preparing" });
  const distinct = items.filter((item, i) => items.findIndex((other) => other.key === item.key) === i);
  const running = distinct.map(async (item) => {
    const release = await slots.acquire(signal, () => emit({ id: item.id, status: "Waiting" }));
    try {
      return await upload(item, signal);
    } finally {
      release();
    }
  });
  for (const run of running) run.catch(() => undefined); // awaited in order below
  try {
    const results = new Map<string, T>();
    for (const [i, run] of running.entries()) results.set(distinct[i]!.key, await run);
    return items.map((item) => results.get(item.key)!);
  } catch (err) {
    stop.abort(err);
    await Promise.allSettled(running);
    throw err;
  }
}
