import { join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { parseArgs } from "node:util";
import {
  bindEnvOf,
  certificatesFrom,
  checkHealth,
  ConfigError,
  DEFAULT_DATA_ROOT,
  DEFAULT_RUN_ROOT,
  defaultAddressOf,
  isUnixAddress,
  secureRunRoot,
  SERVICES,
  type ServiceName,
  socketGroupFrom,
  validateAddress,
  writableDir,
} from "@slipway/grpc-kit";
import { GRPC_APPS, HOST, MALLOC_TUNING, mainOf, STORES } from "./apps.js";
import { metricsEndpointLines } from "./metrics-endpoints.js";
import { pingEngineApi } from "./ping.js";
import { portProblem } from "./preflight.js";
import { Supervisor } from "./supervisor.js";

const REPO_ROOT = resolve(fileURLToPath(import.meta.url), "../../../..");
const READY_TIMEOUT_MS = 30_000;

/**
 * npm start: all five apps in one process (calls between them in-process), or with --split each in its
 * own; healthy, endpoints printed; Ctrl-C stops them all.
 */
async function main(): Promise<void> {
  const flags = parseFlags();
  const env = { ...MALLOC_TUNING, ...process.env };
  const dataRoot = writableDir(env.SLIPWAY_DATA_ROOT ?? DEFAULT_DATA_ROOT, "data root");
  const runRoot = writableDir(env.SLIPWAY_RUN_ROOT ?? DEFAULT_RUN_ROOT, "run root");
  secureRunRoot(runRoot, socketGroupFrom(env));
  const socketPath = env.SLIPWAY_ENGINE_API_SOCKET ?? join(runRoot, "docker.sock");
  const binds = Object.fromEntries(GRPC_APPS.map((app) => [app, env[bindEnvOf(app)] || defaultAddressOf(app, runRoot)]));
  for (const app of GRPC_APPS) {
    validateAddress(binds[app]!, bindEnvOf(app));
    const problem = await portProblem(binds[app]!, app, bindEnvOf(app));
    if (problem) throw new ConfigError(problem);
    // Clients dial what the servers bind; a wildcard bind is dialled on loopback.
    env[SERVICES[app].env] ||= binds[app]!.replace(/^(0\.0\.0\.0|\[::\]):/, "127.0.0.1:");
  }
  // Over TCP the launcher checks health as the CLI would, with the CLI's certificate (health is open to
  // any caller that trusts the CA).
  const tcp = GRPC_APPS.find((app) => !isUnixAddress(env[SERVICES[app].env]!));
  if (tcp && !env.SLIPWAY_TLS_DIR) {
    throw new ConfigError(
      `${tcp} is on TCP (${env[SERVICES[tcp].env]}), which Slipway speaks only with mutual TLS: make certificates with "npx slipway certs --out DIR" and set SLIPWAY_TLS_DIR=DIR`,
    );
  }
  const certificates = tcp ? certificatesFrom("cli", env.SLIPWAY_TLS_DIR, env) : undefined;
  Object.assign(env, { SLIPWAY_DATA_ROOT: dataRoot, SLIPWAY_RUN_ROOT: runRoot, SLIPWAY_ENGINE_API_SOCKET: socketPath });

  // Formatted for people on a terminal; otherwise JSON lines, with nothing relaying them.
  const logs = process.stdout.isTTY ? "pretty" : "json";
  const apps = new Supervisor(env, runRoot, (app) => mainOf(REPO_ROOT, app), READY_TIMEOUT_MS, logs);
  process.once("SIGINT", () => void apps.stopAll(0)).once("SIGTERM", () => void apps.stopAll(0));
  const isHealthy = (name: string) =>
    name === "engine-api"
      ? pingEngineApi(socketPath)
      : checkHealth(env[SERVICES[name as ServiceName].env]!, "", 2_000, { certificates, app: name }).then(
          (s) => s === "SERVING",
          () => false,
        );
  if (flags.split) {
    // The stores first: their start-up recovery is the long part, and the orchestrator (which waits for
    // them anyway) and engine-api would only compete with it for CPU.
    apps.start(STORES);
    if (!(await apps.untilHealthy(STORES, isHealthy))) return;
    apps.start(["orchestrator", "engine-api"]);
  } else {
    apps.start([HOST]);
  }
  if (!(await apps.untilHealthy([...GRPC_APPS, "engine-api"], isHealthy))) return;
  const lines = [
    "",
    `Slipway is up (${flags.split ? "one process per app" : "one process, calls between the apps in-process"}). Endpoints:`,
    ...GRPC_APPS.map((app) => `  ${app.padEnd(17)} ${endpointUrl(env[SERVICES[app].env]!)}`),
    `  ${"engine-api".padEnd(17)} unix://${socketPath}   (export DOCKER_HOST=unix://${socketPath})`,
    ...metricsEndpointLines(env, runRoot),
    `  data root          ${dataRoot}`,
    "Press Ctrl-C to stop.",
    "",
  ];
  process.stdout.write(lines.join("\n"));
}

/** unix:///run/slipway/layer-store.sock, or grpcs://host:port for a TCP listener (mutual TLS). */
function endpointUrl(address: string): string {
  return isUnixAddress(address) ? `unix://${address.slice("unix:".length)}` : `grpcs://${address}   (mutual TLS)`;
}

function parseFlags(): { split: boolean } {
  try {
    return parseArgs({ options: { split: { type: "boolean", default: false } }, strict: true }).values;
  } catch (err) {
    throw new ConfigError(`${(err as Error).message}; npm start takes one option: --split (one process per app)`);
  }
}

main().catch((err: unknown) => {
  process.stderr.write(`slipway: ${err instanceof Error ? err.message : String(err)}\n`);
  process.exit(err instanceof ConfigError ? 2 : 1);
});
