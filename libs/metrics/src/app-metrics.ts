import type { FlushRoundObserver } from "@slipway/durable-fs";
import type { ClientCallObserver, ServerMiddleware } from "@slipway/grpc-kit";
import { collectDefaultMetrics, Registry, type Metric } from "prom-client";
import { containerCreateMetrics } from "./create-metrics.js";
import { flushRoundMetrics } from "./flush-metrics.js";
import { heldObjectGauges, type HeldObjects } from "./held-objects.js";
import { httpRequestMetrics } from "./http-metrics.js";
import { grpcClientMetrics, grpcServerMetrics } from "./rpc-metrics.js";

/**
 * One app's metrics, in a registry of its own (not prom-client's global one): npm start hosts the five apps
 * in one process, and each app's endpoint serves its own. The gRPC ones cost a few additions per call.
 */
export class AppMetrics {
  readonly registry = new Registry();
  /** Counts and times every call the app's servers answer (a server middleware). */
  readonly grpcServer: ServerMiddleware;
  /** Counts and times every call the app's clients make. */
  readonly grpcClient: ClientCallObserver;

  constructor() {
    // getMetricsAsArray is typed as plain objects; it returns the metrics themselves.
    for (const metric of processMetrics().getMetricsAsArray()) this.registry.registerMetric(metric as unknown as Metric);
    this.grpcServer = grpcServerMetrics(this.registry);
    this.grpcClient = grpcClientMetrics(this.registry);
  }

  /** The observer of the app's flush rounds, for its BatchFlush (one per app). */
  flushRounds(): FlushRoundObserver {
    return flushRoundMetrics(this.registry);
  }

  /** Gauges of what the app holds, counted when scraped. */
  held(objects: HeldObjects): void {
    heldObjectGauges(this.registry, objects);
  }

  /** The orchestrator's create latency, as a middleware of its service. */
  containerCreates(): ServerMiddleware {
    return containerCreateMetrics(this.registry);
  }

  /** engine-api's HTTP requests by route and status. */
  httpRequests(): ReturnType<typeof httpRequestMetrics> {
    return httpRequestMetrics(this.registry);
  }
}

let shared: Registry | undefined;

/**
 * The process's CPU, memory, event loop and GC figures, made once per process and served by each of its apps:
 * their event-loop monitor and GC observer cost CPU even when idle, once per collector.
 */
function processMetrics(): Registry {
  if (!shared) {
    shared = new Registry();
    collectDefaultMetrics({ register: shared });
  }
  return shared;
}
