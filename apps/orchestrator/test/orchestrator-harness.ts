import { createClient, createLogger, startService, type ServiceClient } from "@slipway/grpc-kit";
import { imagestore, orchestrator } from "@slipway/proto";
import { createReadStream, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createApp } from "../src/app.js";
import type { StoreName } from "./store-processes.js";

export type OrchestratorClient = ServiceClient<typeof orchestrator.OrchestratorServiceService>;

export interface RunningOrchestrator {
  readonly address: string;
  readonly client: OrchestratorClient;
  stop(): Promise<void>;
}

/**
 * The orchestrator in this process (its src, as the tests exercise it) on a unix socket in a temp directory of
 * its own, talking to the given store addresses. Its first reconciler pass has run when this resolves; no periodic passes unless env asks.
 */
export async function startOrchestrator(stores: Record<StoreName, string>, env: NodeJS.ProcessEnv = {}): Promise<RunningOrchestrator> {
  const logger = createLogger("orchestrator", process.env.SLIPWAY_TEST_LOG_LEVEL ?? "silent");
  const dir = mkdtempSync(join(tmpdir(), "slipway-"));
  const bind = `unix:${join(dir, "orchestrator.sock")}`;
  const endpoints = { ...stores, orchestrator: bind };
  const app = createApp({ endpoints, certificates: undefined }, logger, {
    SLIPWAY_RECONCILE_INTERVAL_SECONDS: "0",
    SLIPWAY_STORE_WAIT_SECONDS: "0",
    ...env,
  });
  const server = await startService({ name: "orchestrator", bind, logger, services: app.services });
  await app.recover?.();
  server.setServing();
  const client = createClient(orchestrator.OrchestratorServiceService, server.address, { name: "orchestrator" });
  return {
    address: server.address,
    client,
    stop: async () => {
      client.close();
      await server.shutdown();
      await app.close?.();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** The top layer chainID of an image, as image-store resolves it. */
export async function topChainIdOf(imageStoreAddress: string, reference: string): Promise<string> {
  const images = createClient(imagestore.ImageStoreServiceService, imageStoreAddress, { name: "image-store" });
  try {
    return (await images.resolveImage({ reference })).topChainId;
  } finally {
    images.close();
  }
}

/** Removes every container (with its volumes), so one failed test does not fail the next. */
export async function removeAllContainers(client: OrchestratorClient): Promise<void> {
  const { containers } = await client.listContainers({ query: { filters: {}, all: true, limit: 0 } });
  for (const { id } of containers) await client.removeContainer({ idOrName: id, removeVolumes: true, force: true });
}

/** Streams an image archive into image-store; resolves with the loaded messages ("Loaded image: golden:1"). */
export async function loadArchive(imageStoreAddress: string, path: string): Promise<string[]> {
  const images = createClient(imagestore.ImageStoreServiceService, imageStoreAddress, { name: "image-store" });
  try {
    const chunks = (async function* () {
      for await (const chunk of createReadStream(path, { highWaterMark: 1 << 20 })) yield { chunk: chunk as Buffer };
    })();
    const messages: string[] = [];
    for await (const event of images.loadImages(chunks)) if (event.loaded) messages.push(event.loaded.message);
    return messages;
  } finally {
    images.close();
  }
}
