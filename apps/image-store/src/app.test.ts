import { checkHealth, createClient, createLogger, startService, type RunningService } from "@slipway/grpc-kit";
import { imagestore } from "@slipway/proto";
import { afterAll, beforeAll, expect, it } from "vitest";
import { createApp } from "./app.js";

let server: RunningService;
beforeAll(async () => {
  const app = createApp();
  server = await startService({ name: "image-store", bind: "127.0.0.1:0", logger: createLogger("image-store", "silent"), services: app.services });
  await app.recover?.();
  server.setServing();
});
afterAll(() => server.shutdown());

it("serves health on its own service name", async () => {
  expect(await checkHealth(server.address, "slipway.imagestore.v1.ImageStoreService")).toBe("SERVING");
});

it("names the service and method in its UNIMPLEMENTED placeholders", async () => {
  const client = createClient(imagestore.ImageStoreServiceService, server.address, { name: "image-store" });
  const first = Object.keys(imagestore.ImageStoreServiceService)[0]!;
  const call = (client as any)[first];
  const method = (imagestore.ImageStoreServiceService as any)[first];
  const attempt = method.responseStream
    ? (async () => { for await (const _ of call(method.requestStream ? [] : {})) void _; })()
    : call(method.requestStream ? [] : {});
  await expect(attempt).rejects.toMatchObject({ kind: "unimplemented", message: expect.stringContaining("by image-store") });
  client.close();
});
