export { startTracing, traceInMemory, flushRoundTracing, httpTracing, type InMemorySpanExporter, type ReadableSpan } from "./setup.js";
export type { FlushRoundObserver } from "./flush-spans.js";
export type { HttpSpans } from "./http-spans.js";
