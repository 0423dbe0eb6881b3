import type { FlushRoundObserver } from "@slipway/durable-fs";
import type { Registry } from "prom-client";
import { counters, histograms } from "./series.js";

/**
 * The app's group-commit flush rounds (durable-fs's BatchFlush): how many callers share each round, how long
 * a round takes, and how many failed. Given to `new BatchFlush(path, { observeRound })`.
 */
export function flushRoundMetrics(registry: Registry): FlushRoundObserver {
  const callers = histograms(
    registry,
    "slipway_flush_round_callers",
    "Callers whose writes one flush round made durable.",
    [1, 2, 4, 8, 16, 32, 64, 128, 256],
  ).of();
  const seconds = histograms(
    registry,
    "slipway_flush_round_seconds",
    "Time of one flush round: its writes, syncfs, renames, syncfs.",
    [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
  ).of();
  const failures = counters(registry, "slipway_flush_round_failures_total", "Flush rounds in which a write or a flush failed.").of();
  return (count) => {
    callers.observe(count);
    const start = performance.now();
    return (failed) => {
      seconds.observe((performance.now() - start) / 1000);
      if (failed) failures.inc();
    };
  };
}
