import { checkHealth, createClient, createLogger, startService, type RunningService } from "@slipway/grpc-kit";
import { orchestrator } from "@slipway/proto";
import { afterAll, beforeAll, expect, it } from "vitest";
import { createApp } from "./app.js";

let server: RunningService;
beforeAll(async () => {
  const app = createApp();
  server = await startService({ name: "orchestrator", bind: "127.0.0.1:0", logger: createLogger("orchestrator", "silent"), services: app.services });
  await app.recover?.();
  server.setServing();
});
afterAll(() => server.shutdown());

it("serves health on its own service name", async () => {
  expect(await checkHealth(server.address, "slipway.orchestrator.v1.OrchestratorService")).toBe("SERVING");
});

it("names the service and method in its UNIMPLEMENTED placeholders", async () => {
  const client = createClient(orchestrator.OrchestratorServiceService, server.address, { name: "orchestrator" });
  const first = Object.keys(orchestrator.OrchestratorServiceService)[0]!;
  const call = (client as any)[first];
  const method = (orchestrator.OrchestratorServiceService as any)[first];
  const attempt = method.responseStream
    ? (async () => { for await (const _ of call(method.requestStream ? [] : {})) void _; })()
    : call(method.requestStream ? [] : {});
  await expect(attempt).rejects.toMatchObject({ kind: "unimplemented", message: expect.stringContaining("by orchestrator") });
  client.close();
});
