import { spawn, type ChildProcess } from "node:child_process";
import { mkdir, mkdtemp, readdir, readFile, rm, stat } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createInterface } from "node:readline";
import {
  checkHealth,
  createClient,
  bindEnvOf,
  createLogger,
  defaultAddressOf,
  endpointsFrom,
  InProcessRegistry,
  service,
  startService,
  unimplementedHandlers,
  type RunningService,
  type ServiceClient,
  type ServiceConfig,
} from "@slipway/grpc-kit";
import { containerconfig, imagestore, layerstore } from "@slipway/proto";
import { createApp } from "../src/app.js";
import { REPO_ROOT } from "./fixtures.js";

/** A process of one of the apps, started from its dist/main.js on its unix socket in env's SLIPWAY_RUN_ROOT. */
export interface AppProcess {
  readonly child: ChildProcess;
  readonly address: string;
  /** Peak resident set size so far (VmHWM), in bytes. */
  peakRss(): Promise<number>;
  stop(): Promise<void>;
}

/** Starts an app and waits until its health is SERVING. */
export async function startApp(app: "layer-store" | "image-store", env: Record<string, string> & { SLIPWAY_RUN_ROOT: string }): Promise<AppProcess> {
  const child = spawn(process.execPath, [join(REPO_ROOT, "apps", app, "dist", "main.js")], {
    env: { ...process.env, SLIPWAY_LOG_LEVEL: "info", ...env, [bindEnvOf(app)]: defaultAddressOf(app, env.SLIPWAY_RUN_ROOT) },
    stdio: ["ignore", "pipe", "pipe"],
  });
  const stderr: string[] = [];
  child.stderr!.on("data", (d: Buffer) => stderr.push(d.toString()));
  const address = await new Promise<string>((resolve, reject) => {
    const lines = createInterface({ input: child.stdout! });
    lines.on("line", (line) => {
      const match = /listening on (unix:[^"\s]+)/.exec(line);
      if (match) resolve(match[1]!);
    });
    child.once("exit", (code) => reject(new Error(`${app} exited with ${code} before listening: ${stderr.join("")}`)));
  });
  for (let i = 0; ; i++) {
    const state = await checkHealth(address).catch(() => "UNREACHABLE");
    if (state === "SERVING") break;
    if (i > 600) throw new Error(`${app} at ${address} never became SERVING (last: ${state})`);
    await new Promise((r) => setTimeout(r, 50));
  }
  return {
    child,
    address,
    async peakRss() {
      const status = await readFile(`/proc/${child.pid}/status`, "utf8");
      return Number(/VmHWM:\s+(\d+) kB/.exec(status)![1]) * 1024;
    },
    async stop() {
      if (child.exitCode !== null) return;
      const exited = new Promise((resolve) => child.once("exit", resolve));
      child.kill("SIGTERM");
      await exited;
    },
  };
}

/**
 * The image-store under test with a real layer-store process, a temp data root, and a
 * container-config stand-in: a real gRPC server whose ListContainers answers from `containers`
 * (container ID → image ID), since image-store only asks it which containers use an image.
 */
export interface Stack {
  readonly dataRoot: string;
  readonly layerStore: AppProcess;
  readonly imageStore: AppProcess;
  readonly client: ServiceClient<typeof imagestore.ImageStoreServiceService>;
  readonly layers: ServiceClient<typeof layerstore.LayerStoreServiceService>;
  readonly containers: Map<string, string>;
  /** Where the container-config stand-in listens. */
  readonly containerConfigAddress: string;
  restartImageStore(): Promise<void>;
  stop(): Promise<void>;
}

export async function startStack(): Promise<Stack> {
  const dataRoot = await mkdtemp(join(tmpdir(), "image-store-stack-"));
  const containers = new Map<string, string>();
  const common = { SLIPWAY_DATA_ROOT: dataRoot, SLIPWAY_RUN_ROOT: join(dataRoot, "..", `${dataRoot.split("/").at(-1)}-run`) };
  await mkdir(common.SLIPWAY_RUN_ROOT, { recursive: true });
  const containerConfig = await startContainerConfigStandIn(containers, defaultAddressOf("container-config", common.SLIPWAY_RUN_ROOT));
  const layerStore = await startApp("layer-store", common);
  const imageEnv = { ...common, SLIPWAY_LAYER_STORE_ADDR: layerStore.address, SLIPWAY_CONTAINER_CONFIG_ADDR: containerConfig.address };
  const stack = {
    dataRoot,
    layerStore,
    imageStore: await startApp("image-store", imageEnv),
    client: undefined as unknown as Stack["client"],
    layers: createClient(layerstore.LayerStoreServiceService, layerStore.address, { name: "layer-store" }),
    containers,
    containerConfigAddress: containerConfig.address,
    async restartImageStore() {
      stack.client.close();
      await stack.imageStore.stop();
      stack.imageStore = await startApp("image-store", imageEnv);
      stack.client = createClient(imagestore.ImageStoreServiceService, stack.imageStore.address, { name: "image-store" });
    },
    async stop() {
      stack.client.close();
      stack.layers.close();
      await stack.imageStore.stop();
      await layerStore.stop();
      await containerConfig.shutdown();
      await rm(dataRoot, { recursive: true, force: true });
      await rm(common.SLIPWAY_RUN_ROOT, { recursive: true, force: true });
    },
  };
  stack.client = createClient(imagestore.ImageStoreServiceService, stack.imageStore.address, { name: "image-store" });
  return stack;
}

/** A second image-store, run in this process as npm start runs it, over the stack's layer-store; its client calls it in-process. */
export async function startInProcessImageStore(stack: Stack): Promise<{ client: Stack["client"]; stop(): Promise<void> }> {
  const dataRoot = await mkdtemp(join(tmpdir(), "image-store-in-process-"));
  const inProcess = new InProcessRegistry();
  const bind = `unix:${join(dataRoot, "image-store.sock")}`;
  const endpoints = { ...endpointsFrom({}, dataRoot), "layer-store": stack.layerStore.address, "container-config": stack.containerConfigAddress };
  const config: ServiceConfig = {
    bind,
    dataRoot,
    dockerdDataRoot: dataRoot,
    runRoot: dataRoot,
    endpoints,
    socketGroup: { name: "root", gid: 0 },
    certificates: undefined,
    inProcess,
  };
  const app = createApp(config, undefined, {});
  const logger = createLogger("image-store", "silent");
  const server = await startService({ name: "image-store", bind, logger, services: app.services, inProcess, drainTimeoutMs: 2_000 });
  await app.recover?.();
  server.setServing();
  const client = createClient(imagestore.ImageStoreServiceService, bind, { name: "image-store", inProcess });
  return {
    client,
    async stop() {
      client.close();
      await server.shutdown();
      await app.close?.();
      await rm(dataRoot, { recursive: true, force: true });
    },
  };
}

async function startContainerConfigStandIn(containers: Map<string, string>, bind: string): Promise<RunningService> {
  const definition = containerconfig.ContainerConfigServiceService;
  const running = await startService({
    name: "container-config-stand-in",
    bind,
    logger: createLogger("container-config-stand-in", "silent"),
    services: [
      service(definition, {
        ...unimplementedHandlers(definition, "container-config-stand-in"),
        async listContainers({ resolvedImages }) {
          const wanted = resolvedImages?.ancestorImageIds?.values;
          const matching = [...containers].filter(([, imageId]) => !wanted || wanted.includes(imageId));
          return { containers: matching.map(([id, imageId]) => ({ ...emptySummary(), id, imageId })) };
        },
      }),
    ],
  });
  running.setServing();
  return running;
}

function emptySummary(): containerconfig.ContainerSummary {
  return containerconfig.ContainerSummary.fromPartial({});
}

/** Every path under a directory with its type, mode and size (file contents hashed by size only). */
export async function treeOf(root: string): Promise<string[]> {
  const out: string[] = [];
  async function walk(dir: string): Promise<void> {
    for (const name of (await readdir(dir)).sort()) {
      const path = join(dir, name);
      const info = await stat(path);
      out.push(`${path.slice(root.length)} ${info.mode.toString(8)} ${info.isDirectory() ? "" : info.size}`);
      if (info.isDirectory()) await walk(path);
    }
  }
  await walk(root);
  return out;
}

/** Loads an archive from chunks; returns every event of the answer stream. */
export async function load(client: Stack["client"], chunks: AsyncIterable<Buffer> | Iterable<Buffer>): Promise<imagestore.LoadImagesResponse[]> {
  const events: imagestore.LoadImagesResponse[] = [];
  async function* requests() {
    for await (const chunk of chunks) yield { chunk };
  }
  for await (const event of client.loadImages(requests())) events.push(event);
  return events;
}
