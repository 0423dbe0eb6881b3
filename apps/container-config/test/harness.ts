import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createClient, createLogger, InProcessRegistry, startService, type RunningService, type ServiceClient } from "@slipway/grpc-kit";
import { containerconfig } from "@slipway/proto";
import { createApp, type ContainerConfigApp } from "../src/app.js";

export type ContainerConfigClient = ServiceClient<typeof containerconfig.ContainerConfigServiceService>;

/** container-config on a unix socket in a temp directory, with a temp data root, recovered and serving, and a client. */
export interface Harness {
  dataRoot: string;
  app: ContainerConfigApp;
  server: RunningService;
  client: ContainerConfigClient;
  stop(keepData?: boolean): Promise<void>;
}

/** A unix socket address in a fresh temp directory; `remove` deletes the directory. */
export async function tempSocket(name = "container-config"): Promise<{ address: string; remove(): Promise<void> }> {
  const dir = await mkdtemp(join(tmpdir(), "slipway-"));
  return { address: `unix:${join(dir, `${name}.sock`)}`, remove: () => rm(dir, { recursive: true, force: true }) };
}

export interface HarnessOptions {
  /** Call the service in-process, as npm start's one process does, instead of over its socket. */
  readonly inProcess?: boolean;
}

export async function startHarness(dataRoot?: string, options: HarnessOptions = {}): Promise<Harness> {
  const root = dataRoot ?? (await mkdtemp(join(tmpdir(), "slipway-cc-")));
  // dockerd's own root: the differential tests compare with what the local dockerd writes.
  const app = createApp({ dataRoot: root, dockerdDataRoot: "/var/lib/docker" });
  const socket = await tempSocket();
  const inProcess = options.inProcess ? new InProcessRegistry() : undefined;
  const server = await startService({
    name: "container-config",
    bind: socket.address,
    logger: createLogger("container-config", "silent"),
    services: app.services,
    inProcess,
  });
  await app.recover?.();
  server.setServing();
  const client = createClient(containerconfig.ContainerConfigServiceService, server.address, { name: "container-config", inProcess });
  return {
    dataRoot: root,
    app,
    server,
    client,
    async stop(keepData = false) {
      client.close();
      await server.shutdown();
      await socket.remove();
      if (!keepData) await rm(root, { recursive: true, force: true });
    },
  };
}
