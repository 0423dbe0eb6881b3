import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createClient, createLogger, startService, type RunningService, type ServiceClient } from "@slipway/grpc-kit";
import { containerconfig } from "@slipway/proto";
import { createApp, type ContainerConfigApp } from "../src/app.js";

export type ContainerConfigClient = ServiceClient<typeof containerconfig.ContainerConfigServiceService>;

/** container-config on 127.0.0.1:0 with a temp data root, recovered and serving, and a client. */
export interface Harness {
  dataRoot: string;
  app: ContainerConfigApp;
  server: RunningService;
  client: ContainerConfigClient;
  stop(keepData?: boolean): Promise<void>;
}

export async function startHarness(dataRoot?: string): Promise<Harness> {
  const root = dataRoot ?? (await mkdtemp(join(tmpdir(), "slipway-cc-")));
  // dockerd's own root: the differential tests compare with what the local dockerd writes.
  const app = createApp({ dataRoot: root, dockerdDataRoot: "/var/lib/docker" });
  const server = await startService({ name: "container-config", bind: "127.0.0.1:0", logger: createLogger("container-config", "silent"), services: app.services });
  await app.recover?.();
  server.setServing();
  const client = createClient(containerconfig.ContainerConfigServiceService, server.address, { name: "container-config" });
  return {
    dataRoot: root, app, server, client,
    async stop(keepData = false) {
      client.close();
      await server.shutdown();
      if (!keepData) await rm(root, { recursive: true, force: true });
    },
  };
}
