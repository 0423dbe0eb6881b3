import { context, propagation, SpanKind, SpanStatusCode, trace, type Attributes, type Span } from "@opentelemetry/api";
import type { CallHooks, MethodDefinition, ObservedCall } from "@slipway/grpc-kit";
import type { AppTracers } from "./app-tracers.js";

/** gRPC codes a server's span counts as errors (OpenTelemetry's gRPC conventions); a client's counts every code but OK. */
const SERVER_ERRORS = new Set([2, 4, 12, 13, 14, 15]);

/**
 * Spans of gRPC calls as OpenTelemetry's RPC conventions name them: SERVER for each call an app serves (a child
 * of the caller's span, from the W3C traceparent it sent, or in-process from the caller's context), CLIENT for
 * each call it makes (whose context goes along as traceparent/tracestate); and the trace of the call a log line
 * is written in.
 */
export function callSpans(tracers: AppTracers): CallHooks {
  return {
    serverCall(app, method, header) {
      const parent = propagation.extract(context.active(), header, { get: (carrier, key) => carrier(key), keys: () => [] });
      const span = tracers.of(app).startSpan(...spanOf(method, SpanKind.SERVER), parent);
      return observed(span, tracers.withApp(trace.setSpan(parent, span), app), SERVER_ERRORS);
    },
    clientCall(method, setHeader) {
      const caller = context.active();
      const span = tracers.current(caller).startSpan(...spanOf(method, SpanKind.CLIENT), caller);
      const inCall = trace.setSpan(caller, span);
      propagation.inject(inCall, setHeader, { set: (carrier, key, value) => carrier(key, value) });
      return observed(span, inCall);
    },
    runAs: (app, start) => context.with(tracers.withApp(context.active(), app), start),
    logFields() {
      const span = trace.getSpan(context.active());
      // A new object each time: pino merges the line's own fields into it.
      if (!span) return {};
      const { traceId, spanId } = span.spanContext();
      return { trace_id: traceId, span_id: spanId };
    },
  };
}

function observed(span: Span, inCall: ReturnType<typeof context.active>, errors?: ReadonlySet<number>): ObservedCall {
  return {
    run: (start) => context.with(inCall, start),
    end(code, err) {
      span.setAttribute("rpc.grpc.status_code", code);
      if (code !== 0 && (errors === undefined || errors.has(code))) {
        span.setStatus({ code: SpanStatusCode.ERROR, message: err instanceof Error ? err.message : undefined });
      }
      span.end();
    },
  };
}

const described = new WeakMap<MethodDefinition, { name: string; attributes: Attributes }>();

/** "slipway.layerstore.v1.LayerStoreService/GetLayer" with rpc.system, rpc.service and rpc.method, worked out once per method. */
function spanOf(method: MethodDefinition, kind: SpanKind): [string, { kind: SpanKind; attributes: Attributes }] {
  let span = described.get(method);
  if (!span) {
    const name = method.path.slice(1);
    const slash = name.lastIndexOf("/");
    span = { name, attributes: { "rpc.system": "grpc", "rpc.service": name.slice(0, slash), "rpc.method": name.slice(slash + 1) } };
    described.set(method, span);
  }
  return [span.name, { kind, attributes: span.attributes }];
}
