import { context } from "@opentelemetry/api";
import type { AppTracers } from "./app-tracers.js";

/** durable-fs's FlushRoundObserver (not imported: durable-fs knows nothing of tracing and tracing nothing of durable-fs). */
export type FlushRoundObserver = (callers: number) => (failed: boolean) => void;

/**
 * A span per flush round, a child of the call that started it (the others whose writes it carries wait in it
 * too, but a span has one parent): how many callers it carried and whether it failed.
 */
export function flushRoundSpans(tracers: AppTracers): FlushRoundObserver {
  return (callers) => {
    const span = tracers.current().startSpan("flush round", { attributes: { "slipway.flush_round.callers": callers } }, context.active());
    return (failed) => {
      span.setAttribute("slipway.flush_round.failed", failed);
      span.end();
    };
  };
}
