import { statusNameOf, type ClientCallObserver, type MethodDefinition, type ServerMiddleware } from "@slipway/grpc-kit";
import type { Registry } from "prom-client";
import { counters, histograms, type CounterSeries } from "./series.js";

/** Seconds: a store call takes well under a millisecond to a few, an image load seconds. */
export const RPC_SECONDS_BUCKETS = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10];

const LABELS = ["grpc_type", "grpc_service", "grpc_method"] as const;

/** One call of a method as counted: started now; the returned function ends it, with the call's error if it failed. */
type CallStart = () => (err?: unknown) => void;

/**
 * Every call a server answers, under grpc-ecosystem's go-grpc-prometheus names (grpc_server_started_total,
 * grpc_server_handled_total by grpc_code, grpc_server_handling_seconds), over the network and in-process alike.
 */
export function grpcServerMetrics(registry: Registry): ServerMiddleware {
  const callOf = rpcMetrics(registry, "server");
  return async ({ method }, next) => {
    const over = callOf(method)();
    try {
      await next();
    } catch (err) {
      over(err);
      throw err;
    }
    over();
  };
}

/** Every call a client makes, as grpc_client_started_total, grpc_client_handled_total and grpc_client_handling_seconds. */
export function grpcClientMetrics(registry: Registry): ClientCallObserver {
  return rpcMetrics(registry, "client");
}

/** The three metrics of one side; each method's series are made on its first call and kept. */
function rpcMetrics(registry: Registry, side: "server" | "client"): (method: MethodDefinition) => CallStart {
  const who = side === "server" ? "answered by this app's servers" : "made by this app's clients";
  const started = counters(registry, `grpc_${side}_started_total`, `RPCs started, ${who}.`, LABELS);
  const handled = counters(registry, `grpc_${side}_handled_total`, `RPCs completed, by gRPC status code, ${who}.`, [...LABELS, "grpc_code"]);
  const seconds = histograms(
    registry,
    `grpc_${side}_handling_seconds`,
    `Time from the start of an RPC to its end (a response stream: its last message), ${who}.`,
    RPC_SECONDS_BUCKETS,
    LABELS,
  );
  const forMethod = (method: MethodDefinition): CallStart => {
    const labels = labelsOf(method);
    const startedSeries = started.of(...labels);
    const secondsSeries = seconds.of(...labels);
    const ok = handled.of(...labels, "OK");
    const handledWith = (err: unknown): CounterSeries => (err === undefined ? ok : handled.of(...labels, statusNameOf(err)));
    return () => {
      startedSeries.inc();
      const start = performance.now();
      return (err?: unknown) => {
        handledWith(err).inc();
        secondsSeries.observe((performance.now() - start) / 1000);
      };
    };
  };
  const methods = new Map<MethodDefinition, CallStart>();
  return (method) => {
    let callStart = methods.get(method);
    if (!callStart) methods.set(method, (callStart = forMethod(method)));
    return callStart;
  };
}

/** grpc_type, grpc_service, grpc_method of "/slipway.layerstore.v1.LayerStoreService/GetLayer". */
export function labelsOf(method: MethodDefinition): [string, string, string] {
  const [, service = "", name = ""] = method.path.split("/");
  return [grpcTypeOf(method), service, name];
}

function grpcTypeOf({ requestStream, responseStream }: MethodDefinition): string {
  if (requestStream) return responseStream ? "bidi_stream" : "client_stream";
  return responseStream ? "server_stream" : "unary";
}
