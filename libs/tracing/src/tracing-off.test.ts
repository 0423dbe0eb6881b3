import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  createClient,
  createLogger,
  installedCallHooks,
  layerStoreDefinition,
  service,
  startService,
  unimplementedHandlers,
} from "@slipway/grpc-kit";
import { afterAll, describe, expect, it } from "vitest";
import { flushRoundTracing, httpTracing, startTracing } from "./index.js";

describe("tracing off (no OTEL_EXPORTER_OTLP_ENDPOINT)", () => {
  startTracing({ OTEL_SERVICE_NAME: "ignored" });
  const stops: (() => unknown)[] = [];
  afterAll(() => Promise.all(stops.map((stop) => stop())));

  it("installs nothing: no call hooks, no flush-round or HTTP spans", () => {
    expect(installedCallHooks()).toBeUndefined();
    expect(flushRoundTracing()).toBeUndefined();
    expect(httpTracing("engine-api")).toBeUndefined();
  });

  it("sends no traceparent with a call", async () => {
    const seen: unknown[][] = [];
    const handlers = {
      ...unimplementedHandlers(layerStoreDefinition, "layer-store"),
      getStoreStatus: async (_request: unknown, ctx: { metadata: { get(key: string): unknown[] } }) => {
        seen.push(ctx.metadata.get("traceparent"), ctx.metadata.get("tracestate"));
        throw new Error("seen");
      },
    };
    const bind = `unix:${join(mkdtempSync(join(tmpdir(), "tracing-off-")), "layer-store.sock")}`;
    const logger = createLogger("layer-store", "silent");
    const server = await startService({ name: "layer-store", bind, logger, services: [service(layerStoreDefinition, handlers as never)] });
    stops.push(() => server.shutdown());
    const client = createClient(layerStoreDefinition, bind, { name: "layer-store" });
    stops.push(() => client.close());
    await expect(client.getStoreStatus({})).rejects.toThrow("seen");
    expect(seen).toEqual([[], []]);
  });
});
