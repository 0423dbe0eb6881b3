import { spawn, type ChildProcess } from "node:child_process";
import { writeFileSync, rmSync } from "node:fs";
import { join, resolve } from "node:path";
import { createInterface } from "node:readline";
import { fileURLToPath } from "node:url";
import {
  checkHealth,
  ConfigError,
  DEFAULT_DATA_ROOT,
  DEFAULT_RUN_ROOT,
  SERVICES,
  validateAddress,
  writableDir,
} from "@slipway/grpc-kit";
import { bindEnvOf, defaultBindOf, GRPC_APPS, mainOf } from "./apps.js";
import { formatLogLine } from "./log-format.js";
import { pingEngineApi } from "./ping.js";
import { portProblem } from "./preflight.js";

const REPO_ROOT = resolve(fileURLToPath(import.meta.url), "../../../..");
const READY_TIMEOUT_MS = 30_000;
const STOP_TIMEOUT_MS = 15_000;

interface Running {
  readonly name: string;
  readonly child: ChildProcess;
  readonly exited: Promise<number | null>;
}

/** npm start: all five apps as separate processes, healthy, endpoints printed; Ctrl-C stops them all. */
async function main(): Promise<void> {
  const env = { ...process.env };
  const dataRoot = writableDir(env.SLIPWAY_DATA_ROOT ?? DEFAULT_DATA_ROOT, "data root");
  const runRoot = writableDir(env.SLIPWAY_RUN_ROOT ?? DEFAULT_RUN_ROOT, "run root");
  const socketPath = env.SLIPWAY_ENGINE_API_SOCKET ?? join(runRoot, "docker.sock");
  const binds = Object.fromEntries(GRPC_APPS.map((app) => [app, env[bindEnvOf(app)] ?? defaultBindOf(app)]));
  for (const app of GRPC_APPS) {
    validateAddress(binds[app]!, bindEnvOf(app));
    const problem = await portProblem(binds[app]!, app, bindEnvOf(app));
    if (problem) throw new ConfigError(problem);
    // Clients dial what the servers bind; a wildcard bind is dialled on loopback.
    env[SERVICES[app].env] ??= binds[app]!.replace(/^(0\.0\.0\.0|\[::\]):/, "127.0.0.1:");
  }
  Object.assign(env, { SLIPWAY_DATA_ROOT: dataRoot, SLIPWAY_RUN_ROOT: runRoot, SLIPWAY_ENGINE_API_SOCKET: socketPath });

  const apps: Running[] = [...GRPC_APPS, "engine-api"].map((name) => launch(name, env, runRoot));
  let stopping = false;
  const stopAll = async (code: number) => {
    if (stopping) return;
    stopping = true;
    for (const app of apps) app.child.kill("SIGTERM");
    const killer = setTimeout(() => apps.forEach((a) => a.child.kill("SIGKILL")), STOP_TIMEOUT_MS);
    await Promise.all(apps.map((a) => a.exited));
    clearTimeout(killer);
    for (const app of apps) rmSync(join(runRoot, `${app.name}.pid`), { force: true });
    process.stdout.write(`slipway: stopped all ${apps.length} apps\n`);
    process.exit(code);
  };
  process.once("SIGINT", () => void stopAll(0)).once("SIGTERM", () => void stopAll(0));
  for (const app of apps) {
    void app.exited.then((code) => {
      if (stopping) return;
      process.stderr.write(`slipway: ${app.name} exited unexpectedly (code ${code}); stopping the others\n`);
      void stopAll(1);
    });
  }

  const deadline = Date.now() + READY_TIMEOUT_MS;
  const pending = new Map<string, () => Promise<boolean>>([
    ...GRPC_APPS.map((app) => [app, () => checkHealth(env[SERVICES[app].env]!).then((s) => s === "SERVING", () => false)] as const),
    ["engine-api", () => pingEngineApi(socketPath)],
  ]);
  while (pending.size > 0 && !stopping) {
    if (Date.now() > deadline) {
      process.stderr.write(`slipway: not healthy after ${READY_TIMEOUT_MS / 1000}s: ${[...pending.keys()].join(", ")}\n`);
      return stopAll(1);
    }
    for (const [name, probe] of pending) if (await probe()) pending.delete(name);
    if (pending.size > 0) await new Promise((r) => setTimeout(r, 200));
  }
  if (stopping) return;
  const lines = [
    "",
    "Slipway is up. Endpoints:",
    ...GRPC_APPS.map((app) => `  ${app.padEnd(17)} grpc://${env[SERVICES[app].env]}`),
    `  ${"engine-api".padEnd(17)} unix://${socketPath}   (export DOCKER_HOST=unix://${socketPath})`,
    `  data root          ${dataRoot}`,
    "Press Ctrl-C to stop.",
    "",
  ];
  process.stdout.write(lines.join("\n"));
}

function launch(name: string, env: NodeJS.ProcessEnv, runRoot: string): Running {
  const child = spawn(process.execPath, [...cpuProfileFlags(), mainOf(REPO_ROOT, name)], { env, stdio: ["ignore", "pipe", "pipe"] });
  writeFileSync(join(runRoot, `${name}.pid`), `${child.pid}\n`);
  const prefix = `[${name}]`.padEnd(19);
  for (const stream of [child.stdout!, child.stderr!]) {
    createInterface({ input: stream }).on("line", (line) => process.stdout.write(`${prefix}${formatLogLine(line)}\n`));
  }
  const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));
  return { name, child, exited };
}

main().catch((err: unknown) => {
  process.stderr.write(`slipway: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(err instanceof ConfigError ? 2 : 1);
});

/** SLIPWAY_CPU_PROF_DIR=<dir> makes every app write a V8 CPU profile there when it stops (for profiling). */
function cpuProfileFlags(): string[] {
  const dir = process.env.SLIPWAY_CPU_PROF_DIR;
  return dir ? ["--cpu-prof", `--cpu-prof-dir=${dir}`] : [];
}
