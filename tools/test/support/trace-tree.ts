import { request } from "node:http";
import { randomBytes } from "node:crypto";
import { expect } from "vitest";

/** A span as the checks below need it, whether read from memory or from OTLP JSON. */
export interface SpanRecord {
  readonly traceId: string;
  readonly spanId: string;
  readonly parentId: string | undefined;
  readonly name: string;
  readonly kind: "server" | "client" | "internal";
  readonly service: string;
  readonly attributes: Record<string, unknown>;
}

/** The traceparent of a client's own span, for a request that continues its trace. */
export function clientTraceParent(): { traceId: string; spanId: string; header: string } {
  const traceId = randomBytes(16).toString("hex");
  const spanId = randomBytes(8).toString("hex");
  return { traceId, spanId, header: `00-${traceId}-${spanId}-01` };
}

/** POST /containers/create on engine-api's socket with `traceparent`; resolves with the status. */
export function createWithTraceParent(socketPath: string, image: string, traceparent: string): Promise<number> {
  const body = JSON.stringify({ Image: image });
  return new Promise((resolve, reject) => {
    const headers = { "Content-Type": "application/json", "Content-Length": Buffer.byteLength(body), traceparent };
    const req = request({ socketPath, method: "POST", path: "/v1.41/containers/create", headers }, (res) => {
      res.resume().once("end", () => resolve(res.statusCode ?? 0));
    });
    req.once("error", reject).end(body);
  });
}

/** The stores whose flush rounds a create waits for (the RW layer; the record): each process exports them on its own schedule. */
const FLUSHING_STORES = ["layer-store", "container-config"];

/** True once the trace's root ended and every span of it has its parent there (work after the answer included). */
export function traceComplete(all: readonly SpanRecord[], client: { traceId: string; spanId: string }): boolean {
  const spans = all.filter((span) => span.traceId === client.traceId);
  const ids = new Set([client.spanId, ...spans.map((span) => span.spanId)]);
  const flushed = (store: string) => spans.some((span) => span.name === "flush round" && span.service === store);
  return (
    spans.some((span) => span.parentId === client.spanId) && spans.every((span) => ids.has(span.parentId ?? "")) && FLUSHING_STORES.every(flushed)
  );
}

/**
 * One create's trace: engine-api's HTTP span continues the client's trace, each gRPC SERVER span is the child of
 * the CLIENT span of the same method in its caller, and each span's parent is in the trace. Returns the services seen.
 */
export function expectOneCreateTrace(all: readonly SpanRecord[], client: { traceId: string; spanId: string }): Set<string> {
  const spans = all.filter((span) => span.traceId === client.traceId);
  const byId = new Map(spans.map((span) => [span.spanId, span]));
  const root = spans.find((span) => span.parentId === client.spanId);
  expect(root).toMatchObject({ name: "POST /containers/create", kind: "server", service: "engine-api" });
  expect(root!.attributes).toMatchObject({ "http.route": "/containers/create", "http.request.method": "POST", "http.response.status_code": 201 });
  for (const span of spans) {
    if (span === root) continue;
    const parent = byId.get(span.parentId ?? "");
    expect(parent, `the parent of ${span.service} ${span.name}`).toBeDefined();
    if (span.kind === "server") {
      expect(span.attributes).toMatchObject({ "rpc.system": "grpc", "rpc.grpc.status_code": 0 });
      expect(parent).toMatchObject({ kind: "client", name: span.name });
      expect(parent!.service).not.toBe(span.service);
    }
  }
  const create = spans.find((span) => span.name === "slipway.orchestrator.v1.OrchestratorService/CreateContainer" && span.kind === "server");
  expect(create).toMatchObject({ service: "orchestrator" });
  expect(create!.attributes).toMatchObject({ "rpc.service": "slipway.orchestrator.v1.OrchestratorService", "rpc.method": "CreateContainer" });
  // Both stores that write a create flush it (the RW layer; the record), each in its own call's context.
  const rounds = spans.filter((span) => span.name === "flush round");
  expect(new Set(rounds.map((round) => round.service))).toEqual(new Set(FLUSHING_STORES));
  for (const round of rounds) {
    expect(byId.get(round.parentId ?? "")?.service).toBe(round.service);
    expect(round.attributes).toMatchObject({ "slipway.flush_round.failed": false });
    expect(round.attributes["slipway.flush_round.callers"]).toBeGreaterThanOrEqual(1);
  }
  return new Set(spans.map((span) => span.service));
}
