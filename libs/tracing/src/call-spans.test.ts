import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  createClient,
  createLogger,
  InProcessRegistry,
  layerStoreDefinition,
  service,
  startService,
  unimplementedHandlers,
  type CallContext,
} from "@slipway/grpc-kit";
import { trace } from "@opentelemetry/api";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { traceInMemory } from "./index.js";

describe("spans of gRPC calls", () => {
  const exporter = traceInMemory();
  const inProcess = new InProcessRegistry();
  const traceparents: unknown[] = [];
  const activeInStream: unknown[] = [];
  const bind = `unix:${join(mkdtempSync(join(tmpdir(), "call-spans-")), "layer-store.sock")}`;
  const stops: (() => unknown)[] = [];

  beforeAll(async () => {
    const handlers = {
      ...unimplementedHandlers(layerStoreDefinition, "layer-store"),
      getStoreStatus: async (_request: unknown, ctx: CallContext) => {
        traceparents.push(ctx.metadata.get("traceparent")[0]);
        throw new Error("store broken");
      },
      exportLayer: async function* () {
        await Promise.resolve();
        activeInStream.push(trace.getActiveSpan()?.spanContext().spanId);
        yield* [];
        throw new Error("store broken");
      },
    };
    const logger = createLogger("layer-store", "silent");
    const server = await startService({ name: "layer-store", bind, logger, inProcess, services: [service(layerStoreDefinition, handlers as never)] });
    stops.push(() => server.shutdown());
  });
  afterAll(() => Promise.all(stops.map((stop) => stop())));

  const callOnce = async (options: { inProcess?: InProcessRegistry }) => {
    exporter.reset();
    const client = createClient(layerStoreDefinition, bind, { name: "layer-store", ...options });
    stops.push(() => client.close());
    await expect(client.getStoreStatus({})).rejects.toThrow("store broken");
    const [server, caller] = exporter.getFinishedSpans();
    return { server: server!, caller: caller! };
  };

  it.each([
    ["over the network", {}],
    ["in-process", { inProcess }],
  ])("%s: a CLIENT span in the caller, the SERVER span its child, named as OpenTelemetry's RPC conventions say", async (_, options) => {
    const { server, caller } = await callOnce(options);
    expect(caller.name).toBe("slipway.layerstore.v1.LayerStoreService/GetStoreStatus");
    expect(server.name).toBe(caller.name);
    expect(server.spanContext().traceId).toBe(caller.spanContext().traceId);
    expect(server.parentSpanContext?.spanId).toBe(caller.spanContext().spanId);
    expect(server.resource.attributes["service.name"]).toBe("layer-store");
    expect(caller.resource.attributes["service.name"]).toBe("slipway");
    expect(server.attributes).toEqual({
      "rpc.system": "grpc",
      "rpc.service": "slipway.layerstore.v1.LayerStoreService",
      "rpc.method": "GetStoreStatus",
      "rpc.grpc.status_code": 13,
    });
    expect(server.status).toMatchObject({ code: 2, message: "store broken" });
  });

  it("sends the caller's span as W3C traceparent over the network, and nothing in-process", async () => {
    traceparents.length = 0;
    const { caller } = await callOnce({});
    await callOnce({ inProcess });
    const { traceId, spanId } = caller.spanContext();
    expect(traceparents).toEqual([`00-${traceId}-${spanId}-01`, undefined]);
  });

  it("produces an in-process response stream inside the call's SERVER span, as over the network", async () => {
    exporter.reset();
    const client = createClient(layerStoreDefinition, bind, { name: "layer-store", inProcess });
    stops.push(() => client.close());
    await expect(async () => {
      for await (const _ of client.exportLayer({ chainId: "sha256:x" })) expect.unreachable();
    }).rejects.toThrow("store broken");
    const server = exporter.getFinishedSpans().find((span) => span.kind === 1);
    expect(activeInStream).toEqual([server?.spanContext().spanId]);
  });
});
