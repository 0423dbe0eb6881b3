import { accessSync, constants, mkdirSync, statSync } from "node:fs";
import { dirname, isAbsolute, join, resolve } from "node:path";
import { parseArgs } from "node:util";
import type { Logger } from "pino";
import type { ClientCallObserver } from "./client-observer.js";
import type { InProcessRegistry } from "./in-process.js";
import { CertificateFiles, certificatePathsIn, type CertificatePaths } from "./security/certificate-files.js";
import { secureRunRoot, socketGroupFrom, type SocketGroup } from "./security/local-socket.js";

/**
 * The Slipway services, the ports they take when told to listen on TCP, and the env vars that point
 * clients at them. By default each listens on a unix socket in the run root (see defaultAddressOf).
 */
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
  /** Where this service listens: unix:<run root>/<app>.sock unless told otherwise. */
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
  /** Who may open the unix sockets besides root. */
  readonly socketGroup: SocketGroup;
  /** This app's certificates (SLIPWAY_TLS_DIR), needed for any TCP listener or TCP peer. */
  readonly certificates: CertificateFiles | undefined;
  /**
   * The services hosted in this process, when it hosts several apps (npm start): the app's server joins them
   * and its clients call them directly. Set by whoever composes the apps, never by flags or env.
   */
  readonly inProcess?: InProcessRegistry;
  /** Told of every call the app's clients make (its metrics); set by whoever composes the app, never by flags or env. */
  readonly observeClientCalls?: ClientCallObserver;
}

/**
 * Reads flags (--bind, --data-root, --run-root, --tls-dir) and env (SLIPWAY_<APP>_BIND, SLIPWAY_DATA_ROOT,
 * SLIPWAY_DOCKERD_DATA_ROOT, SLIPWAY_RUN_ROOT, SLIPWAY_*_ADDR, SLIPWAY_SOCKET_GROUP, SLIPWAY_TLS_DIR,
 * SLIPWAY_TLS_RELOAD_SECONDS), applies the documented defaults, validates them and makes the run root private.
 */
export function loadServiceConfig(
  app: ServiceName,
  argv: readonly string[] = process.argv.slice(2),
  env: NodeJS.ProcessEnv = process.env,
  logger?: Logger,
): ServiceConfig {
  const { values } = parseArgs({
    args: [...argv],
    options: { bind: { type: "string" }, "data-root": { type: "string" }, "run-root": { type: "string" }, "tls-dir": { type: "string" } },
    strict: true,
  });
  const runRoot = writableDir(values["run-root"] ?? env.SLIPWAY_RUN_ROOT ?? DEFAULT_RUN_ROOT, "run root");
  const socketGroup = socketGroupFrom(env);
  secureRunRoot(runRoot, socketGroup);
  const bindEnv = bindEnvOf(app);
  const bind = values.bind ?? env[bindEnv] ?? defaultAddressOf(app, runRoot);
  validateAddress(bind, values.bind ? "--bind" : bindEnv);
  const dataRoot = writableDir(values["data-root"] ?? env.SLIPWAY_DATA_ROOT ?? DEFAULT_DATA_ROOT, "data root");
  return {
    bind,
    dataRoot,
    dockerdDataRoot: absolutePath(env.SLIPWAY_DOCKERD_DATA_ROOT || dataRoot, "SLIPWAY_DOCKERD_DATA_ROOT", "the data root's path as dockerd sees it"),
    runRoot,
    endpoints: endpointsFrom(env, runRoot),
    socketGroup,
    certificates: certificatesFrom(app, values["tls-dir"] ?? env.SLIPWAY_TLS_DIR, env, logger),
  };
}

/** The env var that sets where an app listens, e.g. SLIPWAY_LAYER_STORE_BIND. */
export function bindEnvOf(app: ServiceName): string {
  return `SLIPWAY_${app.toUpperCase().replace(/-/g, "_")}_BIND`;
}

/** Where an app listens and is reached when nothing says otherwise: a unix socket in the run root. */
export function defaultAddressOf(app: ServiceName, runRoot: string): string {
  return `unix:${join(runRoot, `${app}.sock`)}`;
}

/** Where each service is reached: its SLIPWAY_*_ADDR, else its socket in the run root. */
export function endpointsFrom(env: NodeJS.ProcessEnv, runRoot: string): Record<ServiceName, string> {
  return Object.fromEntries(
    (Object.keys(SERVICES) as ServiceName[]).map((name) => {
      const value = env[SERVICES[name].env] || defaultAddressOf(name, runRoot);
      validateAddress(value, SERVICES[name].env);
      return [name, value];
    }),
  ) as Record<ServiceName, string>;
}

/**
 * The certificates of `identity` in the TLS directory (ca.crt, <identity>.crt, <identity>.key), watched
 * for rotation every SLIPWAY_TLS_RELOAD_SECONDS (default 10); undefined without a directory.
 */
export function certificatesFrom(identity: string, dir: string | undefined, env: NodeJS.ProcessEnv, logger?: Logger): CertificateFiles | undefined {
  return dir ? certificatesAt(certificatePathsIn(resolve(dir), identity), env, logger) : undefined;
}

/** Certificates at explicit paths, watched for rotation every SLIPWAY_TLS_RELOAD_SECONDS (default 10). */
export function certificatesAt(paths: CertificatePaths, env: NodeJS.ProcessEnv, logger?: Logger): CertificateFiles {
  const seconds = Number(env.SLIPWAY_TLS_RELOAD_SECONDS ?? 10);
  if (!(seconds > 0)) throw new ConfigError(`SLIPWAY_TLS_RELOAD_SECONDS: "${env.SLIPWAY_TLS_RELOAD_SECONDS}" is not a positive number of seconds`);
  return new CertificateFiles(paths, { pollMs: seconds * 1000, logger });
}

function absolutePath(path: string, source: string, what: string): string {
  if (!isAbsolute(path)) throw new ConfigError(`${source}: "${path}" is not an absolute path; give ${what}`);
  return path;
}

/** Accepts "host:port" with a port of 0–65535, or "unix:/absolute/path" (at most 107 bytes, the kernel's limit). */
export function validateAddress(address: string, source: string): void {
  if (address.startsWith("unix:")) {
    const path = address.slice("unix:".length);
    if (!isAbsolute(path)) throw new ConfigError(`${source}: "${address}" names no absolute socket path; use unix:/path/to.sock`);
    if (Buffer.byteLength(path) > 107) throw new ConfigError(`${source}: socket path ${path} is longer than 107 bytes; use a shorter run root`);
    return;
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
