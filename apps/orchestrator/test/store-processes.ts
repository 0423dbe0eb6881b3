import { spawn, type ChildProcess } from "node:child_process";
import { existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { bindEnvOf, checkHealth, defaultAddressOf, SERVICES } from "@slipway/grpc-kit";

export type StoreName = "layer-store" | "image-store" | "container-config";
const STORES: readonly StoreName[] = ["layer-store", "image-store", "container-config"];
const APPS_DIR = resolve(fileURLToPath(import.meta.url), "../../..");
const READY_TIMEOUT_MS = 30_000;

/**
 * The three real store apps as child processes (their built dist/main.js) on unix sockets in one temp run
 * root, with one temp data root, for component tests. A store can be killed and restarted on the same socket
 * and root (its stale socket is claimed again).
 */
export class StoreProcesses {
  readonly addresses = {} as Record<StoreName, string>;
  private readonly children = new Map<StoreName, ChildProcess>();
  private readonly output = new Map<StoreName, string>();

  private constructor(
    readonly root: string,
    readonly dataRoot: string,
  ) {}

  static async start(): Promise<StoreProcesses> {
    const root = mkdtempSync(join(tmpdir(), "slipway-orchestrator-test-"));
    const stores = new StoreProcesses(root, join(root, "data"));
    for (const name of STORES) stores.addresses[name] = defaultAddressOf(name, stores.runRoot);
    await Promise.all(STORES.map((name) => stores.launch(name)));
    return stores;
  }

  /** SIGKILL, as a crash would; resolves once the process is gone. */
  async kill(name: StoreName): Promise<void> {
    const child = this.children.get(name);
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise((r) => child.once("exit", r));
    child.kill("SIGKILL");
    await exited;
  }

  /** Starts a killed store again on its port and data root and waits until it is SERVING. */
  restart(name: StoreName): Promise<void> {
    return this.launch(name);
  }

  async stop(): Promise<void> {
    await Promise.all(STORES.map((name) => this.kill(name)));
    rmSync(this.root, { recursive: true, force: true });
  }

  get runRoot(): string {
    return join(this.root, "run");
  }

  private env(): NodeJS.ProcessEnv {
    const env: NodeJS.ProcessEnv = { ...process.env, SLIPWAY_DATA_ROOT: this.dataRoot, SLIPWAY_RUN_ROOT: this.runRoot };
    for (const name of STORES) {
      env[bindEnvOf(name)] = this.addresses[name];
      env[SERVICES[name].env] = this.addresses[name];
    }
    return env;
  }

  private async launch(name: StoreName): Promise<void> {
    const main = join(APPS_DIR, name, "dist", "main.js");
    if (!existsSync(main)) throw new Error(`${main} is missing; build ${name} first (npx nx run-many -t build)`);
    const child = spawn(process.execPath, [main], { env: this.env(), stdio: ["ignore", "pipe", "pipe"] });
    this.children.set(name, child);
    this.output.set(name, "");
    const collect = (chunk: Buffer) => this.output.set(name, (this.output.get(name) ?? "") + chunk.toString());
    child.stdout!.on("data", collect);
    child.stderr!.on("data", collect);
    const deadline = Date.now() + READY_TIMEOUT_MS;
    while ((await checkHealth(this.addresses[name], "", 1_000).catch(() => "DOWN")) !== "SERVING") {
      if (child.exitCode !== null) throw new Error(`${name} exited with ${child.exitCode}:\n${this.output.get(name)}`);
      if (Date.now() > deadline) throw new Error(`${name} not SERVING after ${READY_TIMEOUT_MS} ms:\n${this.output.get(name)}`);
      await new Promise((r) => setTimeout(r, 50));
    }
  }
}
