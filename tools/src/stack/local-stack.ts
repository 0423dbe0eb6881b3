import { spawn, type ChildProcess } from "node:child_process";
import { closeSync, mkdtempSync, openSync, readdirSync, readFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { defaultAddressOf, type ServiceName } from "@slipway/grpc-kit";
import { GRPC_APPS } from "./apps.js";

// The same path from src/ (tests) and dist/: tools/dist/stack/main.js.
const LAUNCHER = resolve(fileURLToPath(import.meta.url), "../../../dist/stack/main.js");

/** A stack started by the npm start launcher on free ports and its own roots, for tests and benchmarks. */
export interface LocalStack {
  readonly root: string;
  readonly dataRoot: string;
  readonly runRoot: string;
  readonly socketPath: string;
  readonly env: NodeJS.ProcessEnv;
  /** What the launcher was started with (e.g. --split). */
  readonly args: readonly string[];
  readonly addresses: Record<ServiceName, string>;
  readonly launcher: ChildProcess;
  /** Resolves with the launcher's exit code. */
  readonly exited: Promise<number | null>;
  /** Everything the launcher printed so far (kept in <root>/stack.log). */
  output(): string;
  /** The pid of each process, by the name of its pid file in the run root ("slipway" when one process hosts every app). */
  pids(): Record<string, number>;
  /** Ctrl-C: resolves with the launcher's exit code once every app stopped. */
  stop(): Promise<number | null>;
}

/** Environment for a stack under `root` (a new temp dir by default), each app on its socket in `root`/run. */
export async function localStackEnv(root = mkdtempSync(join(tmpdir(), "slipway-stack-"))) {
  const runRoot = join(root, "run");
  const env: NodeJS.ProcessEnv = { ...process.env, SLIPWAY_DATA_ROOT: join(root, "data"), SLIPWAY_RUN_ROOT: runRoot };
  for (const name of Object.keys(env)) if (/^SLIPWAY_.*_(BIND|ADDR)$/.test(name)) delete env[name];
  const addresses = Object.fromEntries(GRPC_APPS.map((app) => [app, defaultAddressOf(app, runRoot)])) as Record<ServiceName, string>;
  return { root, env, addresses };
}

/** Launches the stack without waiting; see startLocalStack. `args` go to the launcher (e.g. --split). */
export function launchStack(root: string, env: NodeJS.ProcessEnv, addresses: Record<ServiceName, string>, args: readonly string[] = []): LocalStack {
  // A file, not a pipe: the apps then write their JSON log lines straight to it, and neither the
  // launcher nor this process spends CPU relaying them (which a benchmark would count against Slipway).
  const logPath = join(root, "stack.log");
  const log = openSync(logPath, "w");
  const launcher = spawn(process.execPath, [LAUNCHER, ...args], { env, stdio: ["ignore", log, log] });
  closeSync(log);
  const exited = new Promise<number | null>((r) => launcher.once("exit", (code) => r(code)));
  const runRoot = env.SLIPWAY_RUN_ROOT!;
  return {
    root,
    dataRoot: env.SLIPWAY_DATA_ROOT!,
    runRoot,
    socketPath: join(runRoot, "docker.sock"),
    env,
    args,
    addresses,
    launcher,
    exited,
    output: () => readFileSync(logPath, "utf8"),
    pids: () =>
      Object.fromEntries(
        readdirSync(runRoot)
          .filter((file) => file.endsWith(".pid"))
          .map((file) => [file.slice(0, -".pid".length), Number(readFileSync(join(runRoot, file), "utf8"))]),
      ),
    stop: () => (launcher.exitCode === null && launcher.kill("SIGINT"), exited),
  };
}

/** Starts the stack and resolves once the launcher reports every app healthy. */
export async function startLocalStack(root?: string, readyTimeoutMs = 60_000, args: readonly string[] = []): Promise<LocalStack> {
  const { env, addresses, root: dir } = await localStackEnv(root);
  return untilUp(launchStack(dir, env, addresses, args), readyTimeoutMs);
}

/** Resolves with the stack once the launcher reports every app healthy; stops it and throws if it does not. */
export async function untilUp(stack: LocalStack, readyTimeoutMs: number): Promise<LocalStack> {
  const deadline = Date.now() + readyTimeoutMs;
  while (!stack.output().includes("Slipway is up")) {
    if (stack.launcher.exitCode !== null || Date.now() > deadline) {
      await stack.stop();
      throw new Error(`the Slipway stack did not come up:\n${stack.output()}`);
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  return stack;
}
