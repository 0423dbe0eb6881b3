import { checkHealth, createClient, createLogger, startService, type RunningService } from "@slipway/grpc-kit";
import { layerstore } from "@slipway/proto";
import { afterAll, beforeAll, expect, it } from "vitest";
import { createApp } from "./app.js";

let server: RunningService;
beforeAll(async () => {
  const app = createApp();
  server = await startService({ name: "layer-store", bind: "127.0.0.1:0", logger: createLogger("layer-store", "silent"), services: app.services });
  await app.recover?.();
  server.setServing();
});
afterAll(() => server.shutdown());

it("serves health on its own service name", async () => {
  expect(await checkHealth(server.address, "slipway.layerstore.v1.LayerStoreService")).toBe("SERVING");
});

it("names the service and method in its UNIMPLEMENTED placeholders", async () => {
  const client = createClient(layerstore.LayerStoreServiceService, server.address, { name: "layer-store" });
  const first = Object.keys(layerstore.LayerStoreServiceService)[0]!;
  const call = (client as any)[first];
  const method = (layerstore.LayerStoreServiceService as any)[first];
  const attempt = method.responseStream
    ? (async () => { for await (const _ of call(method.requestStream ? [] : {})) void _; })()
    : call(method.requestStream ? [] : {});
  await expect(attempt).rejects.toMatchObject({ kind: "unimplemented", message: expect.stringContaining("by layer-store") });
  client.close();
});
