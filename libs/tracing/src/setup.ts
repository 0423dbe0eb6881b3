import { OTLPTraceExporter } from "@opentelemetry/exporter-trace-otlp-http";
import { BatchSpanProcessor, InMemorySpanExporter, SimpleSpanProcessor, type SpanProcessor } from "@opentelemetry/sdk-trace-base";
import { installCallHooks, stopOnSignal } from "@slipway/grpc-kit";
import { AppTracers } from "./app-tracers.js";
import { callSpans } from "./call-spans.js";
import { flushRoundSpans, type FlushRoundObserver } from "./flush-spans.js";
import { httpSpans, type HttpSpans } from "./http-spans.js";

export type { InMemorySpanExporter, ReadableSpan } from "@opentelemetry/sdk-trace-base";

let decided = false;
let tracers: AppTracers | undefined;

/**
 * Decides once per process, before its apps start, whether it traces: when OTEL_EXPORTER_OTLP_ENDPOINT (or
 * OTEL_EXPORTER_OTLP_TRACES_ENDPOINT) is set, spans go there by OTLP over HTTP (JSON), in batches; otherwise
 * nothing is installed and no tracing code runs per call. Later calls change nothing (the apps of npm start's
 * one process each call it).
 */
export function startTracing(env: NodeJS.ProcessEnv = process.env): void {
  if (decided) return;
  decided = true;
  if (!exportsTraces(env)) return;
  const problem = protocolProblem(env);
  if (problem) process.stderr.write(`tracing: ${problem}\n`);
  const traced = install(new BatchSpanProcessor(new OTLPTraceExporter()));
  // Registered before any app's, so it runs after every app stopped: what their last calls left is exported.
  stopOnSignal(() => traced.shutdown());
}

/** Tracing into memory, for tests: call it before the apps start; the exporter holds every span once it ended. */
export function traceInMemory(): InMemorySpanExporter {
  const exporter = new InMemorySpanExporter();
  decided = true;
  install(new SimpleSpanProcessor(exporter));
  return exporter;
}

/** The span of each flush round, for BatchFlush's observeRound; undefined when tracing is off. */
export function flushRoundTracing(): FlushRoundObserver | undefined {
  return tracers && flushRoundSpans(tracers);
}

/** The spans of an HTTP server of `app`; undefined when tracing is off. */
export function httpTracing(app: string): HttpSpans | undefined {
  return tracers && httpSpans(tracers, app);
}

function exportsTraces(env: NodeJS.ProcessEnv): boolean {
  const endpoint = env.OTEL_EXPORTER_OTLP_TRACES_ENDPOINT || env.OTEL_EXPORTER_OTLP_ENDPOINT;
  return Boolean(endpoint) && env.OTEL_SDK_DISABLED !== "true" && env.OTEL_TRACES_EXPORTER !== "none";
}

/**
 * Slipway sends OTLP over HTTP as JSON, which a collector's OTLP/HTTP receiver takes whichever http/ protocol
 * it is set for; one set up for grpc would get nothing, so that setting is named rather than ignored.
 */
export function protocolProblem(env: NodeJS.ProcessEnv): string | undefined {
  const variable = env.OTEL_EXPORTER_OTLP_TRACES_PROTOCOL ? "OTEL_EXPORTER_OTLP_TRACES_PROTOCOL" : "OTEL_EXPORTER_OTLP_PROTOCOL";
  const protocol = env[variable];
  if (!protocol || protocol.startsWith("http/")) return undefined;
  return `${variable}=${protocol} is not supported: traces go by OTLP over HTTP (JSON) to <endpoint>/v1/traces; point OTEL_EXPORTER_OTLP_ENDPOINT at the collector's OTLP/HTTP receiver (port 4318 by default) and unset ${variable}`;
}

function install(processor: SpanProcessor): AppTracers {
  tracers = new AppTracers(processor);
  installCallHooks(callSpans(tracers));
  return tracers;
}
