import type { IncomingMessage, ServerResponse } from "node:http";
import { routeTemplate } from "@slipway/metrics";
import { httpTracing } from "@slipway/tracing";
import type { Route } from "./router.js";

// Decided once, when the server is made: with tracing off, the routes and the handler are used as they are.
const spans = () => httpTracing("engine-api");

/** The routes, each naming the span of the request it serves after its template ("POST /containers/{id}/start"). */
export function spanNamedRoutes(routes: readonly Route[]): readonly Route[] {
  const traced = spans();
  if (!traced) return routes;
  return routes.map((route) => ({ ...route, handle: traced.route(route.method, routeTemplate(route.pattern), route.handle) }));
}

/** The handler with each request in its span, a child of the traceparent the client sent (engine-api's calls its children). */
export function inRequestSpans<R extends unknown[]>(
  handler: (req: IncomingMessage, res: ServerResponse, ...rest: R) => void,
): (req: IncomingMessage, res: ServerResponse, ...rest: R) => void {
  return spans()?.requests(handler) ?? handler;
}
