import type { IncomingMessage, ServerResponse } from "node:http";
import type { TLSSocket } from "node:tls";
import { context, propagation, SpanKind, SpanStatusCode, trace } from "@opentelemetry/api";
import type { AppTracers } from "./app-tracers.js";

/** What an HTTP server adds to be traced; made once when the server is, only when tracing is on. */
export interface HttpSpans {
  /**
   * `handle` with each request in a SERVER span (a child of the traceparent the client sent, if any), ended when
   * its response is over; what the handler and the listeners it adds to `res` do belongs to the request.
   */
  requests<R extends unknown[]>(
    handle: (req: IncomingMessage, res: ServerResponse, ...rest: R) => void,
  ): (req: IncomingMessage, res: ServerResponse, ...rest: R) => void;
  /** `handle` naming the span of the request it serves after its route: "POST /containers/create". */
  route<C, T>(method: string, template: string, handle: (ctx: C) => T): (ctx: C) => T;
}

/** HTTP server spans of `app` as OpenTelemetry's HTTP conventions name them. */
export function httpSpans(tracers: AppTracers, app: string): HttpSpans {
  const tracer = tracers.of(app);
  return {
    requests:
      (handle) =>
      (req, res, ...rest) => {
        const parent = propagation.extract(context.active(), req.headers);
        const method = req.method ?? "GET";
        const attributes = {
          "http.request.method": method,
          "url.path": (req.url ?? "/").split("?", 1)[0],
          "url.scheme": (req.socket as Partial<TLSSocket>).encrypted ? "https" : "http",
          "user_agent.original": req.headers["user-agent"],
        };
        const span = tracer.startSpan(method, { kind: SpanKind.SERVER, attributes }, parent);
        const inRequest = tracers.withApp(trace.setSpan(parent, span), app);
        res.once("close", () => {
          span.setAttribute("http.response.status_code", res.statusCode);
          if (res.statusCode >= 500) span.setStatus({ code: SpanStatusCode.ERROR });
          span.end();
        });
        context.with(inRequest, () => handle(req, context.bind(inRequest, res), ...rest));
      },
    route: (method, template, handle) => (ctx) => {
      trace.getActiveSpan()?.updateName(`${method} ${template}`).setAttribute("http.route", template);
      return handle(ctx);
    },
  };
}
