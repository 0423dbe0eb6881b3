/** Latency percentiles and rates of one measured run. */
export interface RunStats {
  readonly count: number;
  readonly seconds: number;
  readonly perSecond: number;
  readonly p50: number;
  readonly p90: number;
  readonly p99: number;
}

export function percentile(sortedMs: readonly number[], p: number): number {
  if (sortedMs.length === 0) return NaN;
  const index = Math.min(sortedMs.length - 1, Math.ceil((p / 100) * sortedMs.length) - 1);
  return sortedMs[Math.max(0, index)]!;
}

export function summarize(latenciesMs: readonly number[], seconds: number): RunStats {
  const sorted = [...latenciesMs].sort((a, b) => a - b);
  const round = (n: number) => Math.round(n * 100) / 100;
  return {
    count: sorted.length,
    seconds: round(seconds),
    perSecond: round(sorted.length / seconds),
    p50: round(percentile(sorted, 50)),
    p90: round(percentile(sorted, 90)),
    p99: round(percentile(sorted, 99)),
  };
}

/** Latencies of operations and the wall-clock time they took together. */
export interface Timed {
  readonly latenciesMs: readonly number[];
  readonly seconds: number;
}

/**
 * Runs `total` operations with `clients` concurrent workers sharing one queue and records each
 * operation's latency.
 */
export async function timeOperations(total: number, clients: number, operation: (i: number) => Promise<unknown>): Promise<Timed> {
  const latenciesMs: number[] = [];
  let next = 0;
  const started = performance.now();
  const worker = async () => {
    for (let i = next++; i < total; i = next++) {
      const t = performance.now();
      await operation(i);
      latenciesMs.push(performance.now() - t);
    }
  };
  await Promise.all(Array.from({ length: Math.min(clients, total) }, worker));
  return { latenciesMs, seconds: (performance.now() - started) / 1000 };
}

/** timeOperations, summarized. */
export async function measure(total: number, clients: number, operation: (i: number) => Promise<unknown>): Promise<RunStats> {
  const { latenciesMs, seconds } = await timeOperations(total, clients, operation);
  return summarize(latenciesMs, seconds);
}
