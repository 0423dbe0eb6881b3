import type { FlushRoundObserver } from "./batch-flush.js";

/** One observer telling each of `observers` that are set (metrics, traces) of every round; none when none is. */
export function observeRoundsWith(...observers: (FlushRoundObserver | undefined)[]): FlushRoundObserver | undefined {
  const set = observers.filter((observer): observer is FlushRoundObserver => observer !== undefined);
  if (set.length <= 1) return set[0];
  return (callers) => {
    const ends = set.map((observe) => observe(callers));
    return (failed) => ends.forEach((end) => end(failed));
  };
}
