import { accessSync, constants, mkdirSync, statSync } from "node:fs";
import { dirname, isAbsolute, resolve } from "node:path";
import { parseArgs } from "node:util";

/** The Slipway services, their default ports and the env vars that point clients and servers at them. */
export const SERVICES = {
  "layer-store": { port: 7701, env: "SLIPWAY_LAYER_STORE_ADDR" },
  "image-store": { port: 7702, env: "SLIPWAY_IMAGE_STORE_ADDR" },
  "container-config": { port: 7703, env: "SLIPWAY_CONTAINER_CONFIG_ADDR" },
  orchestrator: { port: 7704, env: "SLIPWAY_ORCHESTRATOR_ADDR" },
} as const;

export type ServiceName = keyof typeof SERVICES;

export const DEFAULT_DATA_ROOT = "./.slipway/data";
export const DEFAULT_RUN_ROOT = "./.slipway/run";

/** A configuration value was wrong; main() prints the message as one line and exits 2. */
export class ConfigError extends Error {
  override name = "ConfigError";
}

export interface ServiceConfig {
  /** Where this service listens. */
  readonly bind: string;
  /** Absolute data root (created if missing, must be writable). */
  readonly dataRoot: string;
  /**
   * The data root's path as the dockerd that adopts it sees it, when that differs from ours (a
   * container's mount): paths that reach disk are written under it. Default: dataRoot.
   */
  readonly dockerdDataRoot: string;
  /** Absolute run root for sockets and pid files. */
  readonly runRoot: string;
  /** Where to reach each service. */
  readonly endpoints: Record<ServiceName, string>;
}

/**
 * Reads flags (--bind, --data-root, --run-root) and env (SLIPWAY_<APP>_BIND, SLIPWAY_DATA_ROOT,
 * SLIPWAY_DOCKERD_DATA_ROOT, SLIPWAY_RUN_ROOT, SLIPWAY_*_ADDR), applies the documented defaults and validates them.
 */
export function loadServiceConfig(
  app: ServiceName,
  argv: readonly string[] = process.argv.slice(2),
  env: NodeJS.ProcessEnv = process.env,
): ServiceConfig {
  const { values } = parseArgs({
    args: [...argv],
    options: { bind: { type: "string" }, "data-root": { type: "string" }, "run-root": { type: "string" } },
    strict: true,
  });
  const bindEnv = `SLIPWAY_${app.toUpperCase().replace(/-/g, "_")}_BIND`;
  const bind = values.bind ?? env[bindEnv] ?? `127.0.0.1:${SERVICES[app].port}`;
  validateAddress(bind, values.bind ? "--bind" : bindEnv);
  const endpoints = Object.fromEntries(
    (Object.keys(SERVICES) as ServiceName[]).map((name) => {
      const value = env[SERVICES[name].env] ?? `127.0.0.1:${SERVICES[name].port}`;
      validateAddress(value, SERVICES[name].env);
      return [name, value];
    }),
  ) as Record<ServiceName, string>;
  const dataRoot = writableDir(values["data-root"] ?? env.SLIPWAY_DATA_ROOT ?? DEFAULT_DATA_ROOT, "data root");
  return {
    bind,
    dataRoot,
    dockerdDataRoot: absolutePath(env.SLIPWAY_DOCKERD_DATA_ROOT || dataRoot, "SLIPWAY_DOCKERD_DATA_ROOT", "the data root's path as dockerd sees it"),
    runRoot: writableDir(values["run-root"] ?? env.SLIPWAY_RUN_ROOT ?? DEFAULT_RUN_ROOT, "run root"),
    endpoints,
  };
}

function absolutePath(path: string, source: string, what: string): string {
  if (!isAbsolute(path)) throw new ConfigError(`${source}: "${path}" is not an absolute path; give ${what}`);
  return path;
}

/** Accepts "host:port" with a port of 0–65535, or "unix:/absolute/path". */
export function validateAddress(address: string, source: string): void {
  if (address.startsWith("unix:")) {
    if (address.length > "unix:".length) return;
    throw new ConfigError(`${source}: "${address}" names no socket path; use unix:/path/to.sock`);
  }
  const match = /^(\[[0-9a-fA-F:]+\]|[^:\s]+):(\d+)$/.exec(address);
  const port = match ? Number(match[2]) : NaN;
  if (!match || !(port >= 0 && port <= 65535)) {
    throw new ConfigError(`${source}: "${address}" is not a valid address; use host:port (port 0-65535) or unix:/path`);
  }
}

/** Creates the directory if needed and checks that it is writable. */
export function writableDir(path: string, what: string): string {
  const absolute = resolve(path);
  try {
    makeDirs(absolute);
    accessSync(absolute, constants.W_OK);
  } catch (err) {
    const reason = (err as NodeJS.ErrnoException).code ?? String(err);
    throw new ConfigError(`${what} ${absolute} is not writable (${reason}); set a writable directory`);
  }
  return absolute;
}

/** mkdir -p without { recursive: true }, which never returns for some paths (e.g. under /proc). */
function makeDirs(path: string): void {
  try {
    mkdirSync(path);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === "EEXIST" && statSync(path).isDirectory()) return;
    if (code !== "ENOENT" || dirname(path) === path) throw err;
    makeDirs(dirname(path));
    mkdirSync(path);
  }
}
