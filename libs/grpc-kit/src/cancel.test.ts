import { layerstore } from "@slipway/proto";
import { pino } from "pino";
import { afterAll, expect, it } from "vitest";
import { createClient, service, startService, unimplementedHandlers, type RunningService } from "./index.js";

const servers: RunningService[] = [];
afterAll(() => Promise.all(servers.map((s) => s.shutdown())));

it("a client stream cut by the caller fails in the handler instead of looking complete", async () => {
  let outcome: Promise<string> | undefined;
  const received = new Promise<void>((resolveReceived) => {
    const handlers = {
      ...unimplementedHandlers(layerstore.LayerStoreServiceService, "cancel-test"),
      registerLayer: async (requests: AsyncIterable<layerstore.RegisterLayerRequest>) => {
        outcome = (async () => {
          let n = 0;
          try {
            for await (const _ of requests) if (++n === 2) resolveReceived();
            return `completed after ${n}`;
          } catch (err) {
            return `failed: ${(err as Error).message}`;
          }
        })();
        await outcome;
        return { existed: false };
      },
    };
    void startService({
      name: "cancel-test",
      bind: "127.0.0.1:0",
      logger: pino({ level: "silent" }),
      services: [service(layerstore.LayerStoreServiceService, handlers)],
    }).then((server) => {
      servers.push(server);
      const client = createClient(layerstore.LayerStoreServiceService, server.address, { name: "cancel-test" });
      async function* forever() {
        yield { header: { parentChainId: "", expectedDiffId: "" } };
        for (;;) {
          yield { chunk: Buffer.alloc(16) };
          await new Promise((r) => setTimeout(r, 20));
        }
      }
      void client.registerLayer(forever(), { deadlineMs: 300 }).catch(() => undefined);
    });
  });
  await received;
  await new Promise((r) => setTimeout(r, 600));
  expect(await outcome).toBe("failed: the caller cancelled the call (or its deadline passed) before finishing its request stream");
});
