/**
 * dockerd's progress.Reader on a layer's tar as it is read for upload ("Pushing"): a report every 1% of
 * the layer's size (at most every 512 KiB), at most ten a second unless the count reaches the size, one
 * at the end with the final count, and a full bar when the stream stops short of the size. Pure: the
 * clock is passed in.
 */

const UPDATE_EVERY_MAX = 512 * 1024;
const MIN_INTERVAL_MS = 100;

export interface ProgressReaderOptions {
  /** The layer's size as the layer store records it (dockerd's DiffSize), the bar's total. */
  readonly size: number;
  readonly report: (current: number) => void;
  readonly now?: () => number;
}

export async function* withProgress(source: AsyncIterable<Buffer>, options: ProgressReaderOptions): AsyncGenerator<Buffer> {
  const { size, report } = options;
  const allow = rateLimiter(options.now ?? Date.now);
  const onePercent = size > 0 ? Math.trunc(0.01 * size) : UPDATE_EVERY_MAX;
  const updateEvery = Math.min(UPDATE_EVERY_MAX, onePercent);
  const update = (current: number, last: boolean) => {
    if (last || current === size || allow()) report(current);
  };
  let current = 0;
  let lastUpdate = 0;
  try {
    for await (const chunk of source) {
      current += chunk.length;
      if (current - lastUpdate > updateEvery) {
        update(current, false);
        lastUpdate = current;
      }
      yield chunk;
    }
    update(current, true);
  } finally {
    if (current < size) update(size, false);
  }
}

/** golang.org/x/time/rate's limiter with one token refilled every 100 ms, starting full. */
function rateLimiter(now: () => number): () => boolean {
  let tokens = 1;
  let last = now();
  return () => {
    const time = now();
    tokens = Math.min(1, tokens + (time - last) / MIN_INTERVAL_MS);
    last = time;
    if (tokens < 1) return false;
    tokens -= 1;
    return true;
  };
}
