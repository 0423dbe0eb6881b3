import { monitorEventLoopDelay } from "node:perf_hooks";
import type { Logger } from "./logger.js";

let reporting = false;

/**
 * With SLIPWAY_LOOP_DELAY_REPORT_SECONDS=N, logs every N seconds how long work waited for the process's one
 * thread over those seconds (event-loop delay: p50, p99 and max, in ms), at info with the message
 * "event loop delay". Once per process, however many apps it runs (they share the loop). Off by default.
 */
export function reportEventLoopDelay(logger: Logger, env: NodeJS.ProcessEnv = process.env): void {
  const seconds = Number(env.SLIPWAY_LOOP_DELAY_REPORT_SECONDS ?? 0);
  if (reporting || !(seconds > 0)) return;
  reporting = true;
  const histogram = monitorEventLoopDelay({ resolution: 10 });
  histogram.enable();
  const ms = (ns: number) => Math.round(ns / 1e4) / 100;
  setInterval(() => {
    logger.info({ p50Ms: ms(histogram.percentile(50)), p99Ms: ms(histogram.percentile(99)), maxMs: ms(histogram.max) }, "event loop delay");
    histogram.reset();
  }, seconds * 1000).unref();
}
