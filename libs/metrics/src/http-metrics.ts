import type { Registry } from "prom-client";
import { RPC_SECONDS_BUCKETS } from "./rpc-metrics.js";
import { counters, histograms, type CounterSeries } from "./series.js";

/** Ends one request: its status code once the response is over. */
export type RequestEnd = (status: number) => void;

/**
 * An HTTP server's requests by route template (not the raw path, whose IDs would make a series each) and
 * status: http_requests_total and http_request_duration_seconds. Asked once per route; the returned function
 * starts a request of that route.
 */
export function httpRequestMetrics(registry: Registry): (method: string, route: string) => () => RequestEnd {
  const requests = counters(registry, "http_requests_total", "HTTP requests answered, by route and status code.", ["method", "route", "status"]);
  const seconds = histograms(
    registry,
    "http_request_duration_seconds",
    "Time from routing a request (its body read) to the end of its response, by route.",
    RPC_SECONDS_BUCKETS,
    ["method", "route"],
  );
  return (method, route) => {
    const secondsSeries = seconds.of(method, route);
    const byStatus = new Map<number, CounterSeries>();
    const requestsWith = (status: number) => {
      let series = byStatus.get(status);
      if (!series) byStatus.set(status, (series = requests.of(method, route, String(status))));
      return series;
    };
    return () => {
      const start = performance.now();
      return (status) => {
        requestsWith(status).inc();
        secondsSeries.observe((performance.now() - start) / 1000);
      };
    };
  };
}

/** The template of a route's pattern: /^\/containers\/(?<id>[^/]+)\/json$/ is "/containers/{id}/json". */
export function routeTemplate(pattern: RegExp): string {
  return pattern.source
    .replace(/^\^|\$$/g, "")
    .replace(/\(\?<(\w+)>[^)]*\)/g, "{$1}")
    .replace(/\\(.)/g, "$1");
}
