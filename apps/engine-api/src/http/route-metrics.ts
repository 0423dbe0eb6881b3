import { routeTemplate, type AppMetrics } from "@slipway/metrics";
import type { Route } from "./router.js";

/**
 * The routes, each counting its requests by status under its template ("/containers/{id}/json", never the raw
 * path): http_requests_total and http_request_duration_seconds. Requests that match no route are not counted.
 */
export function measuredRoutes(routes: readonly Route[], metrics: AppMetrics): Route[] {
  const requestsOf = metrics.httpRequests();
  return routes.map((route) => {
    const start = requestsOf(route.method, routeTemplate(route.pattern));
    return {
      ...route,
      handle: (ctx) => {
        const end = start();
        ctx.res.once("close", () => end(ctx.res.statusCode));
        return route.handle(ctx);
      },
    };
  });
}
