/**
 * dockerd's retry rules for blob transfers (distribution/xfer): after the n-th failure it waits 5·n
 * seconds, showing "Retrying in N seconds" once per second, and gives up after 5 retries of a download
 * or 5 attempts of an upload. Only errors dockerd retries are retried (RegistryError.retryable).
 */
import { RegistryError } from "./errors.js";

export interface RetryPolicy {
  /** A download is retried 5 times (6 attempts), an upload 4 times (5 attempts), as in dockerd. */
  readonly transfer: "download" | "upload";
  /** The length of one second of the countdown (1000; tests shorten it). */
  readonly secondMs: number;
  /** Called at each second of a countdown with the seconds left (N, N-1, … 1). */
  readonly onRetry?: (secondsLeft: number, error: RegistryError) => void;
  readonly signal?: AbortSignal;
}

const MAX_RETRIES = { download: 5, upload: 4 } as const;

/** True when dockerd would try again after this error. */
export function isRetryable(err: unknown): err is RegistryError {
  return err instanceof RegistryError && err.retryable;
}

/** Runs `attempt` until it succeeds, a failure is final, or the retries are spent (the last error is thrown). */
export async function withRetries<T>(attempt: () => Promise<T>, policy: RetryPolicy): Promise<T> {
  for (let failures = 1; ; failures++) {
    try {
      return await attempt();
    } catch (err) {
      await retryAfter(err, failures, policy);
    }
  }
}

/**
 * After the `failures`-th failure: rethrows `err` when it is final or the retries are spent, else
 * counts down the delay before the next attempt.
 */
export async function retryAfter(err: unknown, failures: number, policy: RetryPolicy): Promise<void> {
  if (!isRetryable(err) || failures > MAX_RETRIES[policy.transfer] || policy.signal?.aborted) throw err;
  for (let left = failures * 5; left > 0; left--) {
    policy.onRetry?.(left, err);
    await sleep(policy.secondMs, policy.signal, `${policy.transfer} cancelled during retry delay`);
  }
}

/** Waits, or fails with `abortText` when the signal fires first. */
export function sleep(ms: number, signal: AbortSignal | undefined, abortText: string): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(new RegistryError(abortText));
    const timer = setTimeout(() => {
      signal?.removeEventListener("abort", onAbort);
      resolve();
    }, ms);
    const onAbort = () => {
      clearTimeout(timer);
      reject(new RegistryError(abortText));
    };
    signal?.addEventListener("abort", onAbort, { once: true });
  });
}

/**
 * The config blob's retry (pullSchema2Config): 5 attempts, 250 ms apart and doubling, then
 * "download failed after attempts=N: …".
 */
export async function withBackoff<T>(attempt: () => Promise<T>, firstDelayMs: number, signal?: AbortSignal): Promise<T> {
  const maxAttempts = 5;
  let delay = firstDelayMs;
  for (let attempts = 1; ; attempts++) {
    try {
      return await attempt();
    } catch (err) {
      if (!isRetryable(err) || attempts === maxAttempts) {
        const text = err instanceof Error ? err.message : String(err);
        throw new RegistryError(`download failed after attempts=${attempts}: ${text}`, {
          cause: err,
          category: err instanceof RegistryError ? err.category : "unknown",
        });
      }
      await sleep(delay, signal, "context canceled");
      delay *= 2;
    }
  }
}
