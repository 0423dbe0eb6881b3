import { spawn, type ChildProcess } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { request } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { checkHealth, SERVICES, type ServiceName } from "@slipway/grpc-kit";

const REPO_ROOT = fileURLToPath(new URL("../../../../", import.meta.url));
const GRPC_APPS: readonly ServiceName[] = ["layer-store", "image-store", "container-config", "orchestrator"];
const READY_TIMEOUT_MS = 30_000;

/** The five apps as separate processes on one temp data root, talking over unix sockets in a temp run root. */
export interface Stack {
  readonly root: string;
  readonly dataRoot: string;
  readonly socketPath: string;
  /** Everything the apps printed, for failure messages. */
  output(): string;
  stop(): Promise<void>;
}

/** `extraEnv` adds to the apps' environment, e.g. SLIPWAY_REGISTRY_CERTS_DIR. */
export async function startStack(extraEnv: Readonly<Record<string, string>> = {}): Promise<Stack> {
  const root = mkdtempSync(join(tmpdir(), "engine-api-stack-"));
  const dataRoot = join(root, "data");
  const runRoot = join(root, "run");
  mkdirSync(runRoot);
  const socketPath = join(runRoot, "docker.sock");
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    ...extraEnv,
    SLIPWAY_DATA_ROOT: dataRoot,
    SLIPWAY_RUN_ROOT: runRoot,
    SLIPWAY_ENGINE_API_SOCKET: socketPath,
  };
  for (const app of GRPC_APPS) {
    const address = `unix:${join(runRoot, `${app}.sock`)}`;
    env[`SLIPWAY_${app.toUpperCase().replace(/-/g, "_")}_BIND`] = address;
    env[SERVICES[app].env] = address;
  }
  let output = "";
  const children = [...GRPC_APPS, "engine-api"].map((app) => {
    const child = spawn(process.execPath, [join(REPO_ROOT, "apps", app, "dist", "main.js")], { env, stdio: ["ignore", "pipe", "pipe"] });
    const record = (d: Buffer) => (output += d.toString().replace(/^(?=.)/gm, `[${app}] `));
    child.stdout!.on("data", record);
    child.stderr!.on("data", record);
    return { app, child, exited: new Promise<number | null>((resolve) => child.once("exit", resolve)) };
  });
  const stop = async () => {
    for (const { child } of children) if (child.exitCode === null) child.kill("SIGTERM");
    await Promise.all(children.map((c) => c.exited));
  };
  try {
    await waitUntilReady(children, () => [
      ...GRPC_APPS.map((app) =>
        checkHealth(env[SERVICES[app].env]!).then(
          (s) => s === "SERVING",
          () => false,
        ),
      ),
      pingEngineApi(socketPath),
    ]);
  } catch (err) {
    await stop();
    rmSync(root, { recursive: true, force: true });
    throw new Error(`${(err as Error).message}\n${output}`, { cause: err });
  }
  return { root, dataRoot, socketPath, output: () => output, stop };
}

async function waitUntilReady(children: { app: string; child: ChildProcess }[], probes: () => Promise<boolean>[]): Promise<void> {
  const deadline = Date.now() + READY_TIMEOUT_MS;
  for (;;) {
    const dead = children.find((c) => c.child.exitCode !== null);
    if (dead) throw new Error(`${dead.app} exited with code ${dead.child.exitCode} while starting`);
    if ((await Promise.all(probes())).every(Boolean)) return;
    if (Date.now() > deadline) throw new Error(`the stack was not ready after ${READY_TIMEOUT_MS / 1000}s`);
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

function pingEngineApi(socketPath: string): Promise<boolean> {
  return new Promise((resolve) => {
    const req = request({ socketPath, path: "/_ping" }, (res) => (res.resume(), resolve(res.statusCode === 200)));
    req.once("error", () => resolve(false)).end();
  });
}
