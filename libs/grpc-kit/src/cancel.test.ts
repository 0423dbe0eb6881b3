import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { layerstore } from "@slipway/proto";
import { pino } from "pino";
import { afterAll, expect, it } from "vitest";
import { createClient, InProcessRegistry, service, startService, unimplementedHandlers, type RunningService } from "./index.js";

const servers: RunningService[] = [];
const dir = mkdtempSync(join(tmpdir(), "slipway-"));
afterAll(async () => {
  await Promise.all(servers.map((s) => s.shutdown()));
  rmSync(dir, { recursive: true, force: true });
});

it.each([
  ["over the network", false],
  ["in-process", true],
])("a client stream cut by the caller fails in the handler instead of looking complete (%s)", async (_mode, local) => {
  const inProcess = local ? new InProcessRegistry() : undefined;
  let signalReceived!: () => void;
  const receivedTwo = new Promise<void>((r) => (signalReceived = r));
  let settle!: (outcome: string) => void;
  const outcome = new Promise<string>((r) => (settle = r));
  const server = await startService({
    name: "cancel-test",
    bind: `unix:${join(dir, `cancel-${local ? "in-process" : "network"}.sock`)}`,
    logger: pino({ level: "silent" }),
    inProcess,
    services: [
      service(layerstore.LayerStoreServiceService, {
        ...unimplementedHandlers(layerstore.LayerStoreServiceService, "cancel-test"),
        registerLayer: async (requests) => {
          let n = 0;
          try {
            for await (const _ of requests) if (++n === 2) signalReceived();
            settle(`completed after ${n}`);
          } catch (err) {
            settle(`failed: ${(err as Error).message}`);
          }
          return { existed: false };
        },
      }),
    ],
  });
  servers.push(server);
  const client = createClient(layerstore.LayerStoreServiceService, server.address, { name: "cancel-test", inProcess });
  async function* cutAfterTwo(): AsyncGenerator<layerstore.RegisterLayerRequest> {
    yield { header: layerstore.RegisterLayerHeader.create() };
    yield { chunk: Buffer.alloc(16) };
    await receivedTwo;
    throw new Error("the upload's source failed"); // the client cancels the call
  }
  await expect(client.registerLayer(cutAfterTwo())).rejects.toThrow("the upload's source failed");
  expect(await outcome).toBe("failed: the caller cancelled the call (or its deadline passed) before finishing its request stream");
  client.close();
});
