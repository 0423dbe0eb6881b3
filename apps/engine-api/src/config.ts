import { join, resolve } from "node:path";
import { parseArgs } from "node:util";
import {
  certificatePathsIn,
  certificatesAt,
  certificatesFrom,
  type CertificateFiles,
  ConfigError,
  DEFAULT_DATA_ROOT,
  DEFAULT_RUN_ROOT,
  endpointsFrom,
  secureRunRoot,
  socketGroupFrom,
  validateAddress,
  writableDir,
  type CertificatePaths,
  type ClientCallObserver,
  type InProcessRegistry,
  type Logger,
  type SocketGroup,
} from "@slipway/grpc-kit";

/** The HTTP server's limits against clients that hold connections or send too much (see README.md). */
export interface HttpLimits {
  /** Largest JSON request body (create and the like); `docker load` bodies are not capped. */
  readonly maxBodyBytes: number;
  /** Time a client has to send a request's headers, from its first byte (or the connection). */
  readonly headersTimeoutMs: number;
  /** Longest pause while a capped (JSON) body is being received. */
  readonly bodyTimeoutMs: number;
  /** How long a kept-alive connection may sit idle between requests before it is closed. */
  readonly idleTimeoutMs: number;
  /** Open connections per client address on the TCP listener. */
  readonly maxConnectionsPerClient: number;
  /** Open connections per listener (the unix socket's clients all look alike: this is their cap). */
  readonly maxConnections: number;
}

export const DEFAULT_LIMITS: HttpLimits = {
  maxBodyBytes: 16 * 1024 * 1024,
  headersTimeoutMs: 20_000,
  bodyTimeoutMs: 60_000,
  // dockerd never closes an idle connection. Go's HTTP clients close theirs after 90 s: a server that closes
  // first races the next request, which such a client does not send again when it is a POST.
  idleTimeoutMs: 120_000,
  maxConnectionsPerClient: 256,
  maxConnections: 1024,
};

export interface EngineApiConfig {
  /** Unix socket the Docker CLI talks to ($SLIPWAY_RUN_ROOT/docker.sock by default). */
  readonly socketPath: string;
  /** Absolute run root (made 0750 root:<socket group>). */
  readonly runRoot: string;
  /** Who may open the socket besides root (dockerd's -G). */
  readonly socketGroup: SocketGroup;
  /** Optional TCP listener "host:port", HTTPS with client certificates (tcpCertificates) only. */
  readonly tcp: string | undefined;
  /** The TCP listener's CA, certificate and key (--tlscacert/--tlscert/--tlskey, else SLIPWAY_TLS_DIR's). */
  readonly tcpCertificates: CertificateFiles | undefined;
  /** Absolute data root of the stores; engine-api only reports it (`docker info` DockerRootDir). */
  readonly dataRoot: string;
  readonly orchestrator: string;
  readonly imageStore: string;
  /** engine-api's own certificates (SLIPWAY_TLS_DIR) for stores reached over TCP. */
  readonly certificates: CertificateFiles | undefined;
  readonly limits: HttpLimits;
  /** The services hosted in this process (npm start's one process), called directly; set by the host, never by flags or env. */
  readonly inProcess?: InProcessRegistry;
  /** Told of every call of the gRPC clients (the metrics); set at start-up, never by flags or env. */
  readonly observeClientCalls?: ClientCallObserver;
}

/**
 * Flags --socket, --tcp, --run-root, --data-root, --tls-dir, --tlscacert, --tlscert, --tlskey, --max-body-bytes,
 * --headers-timeout, --body-timeout, --idle-timeout, --max-connections-per-client, --max-connections; env SLIPWAY_ENGINE_API_SOCKET,
 * SLIPWAY_ENGINE_API_TCP, SLIPWAY_ENGINE_API_TLS_CA/_CERT/_KEY, SLIPWAY_ENGINE_API_MAX_BODY_BYTES,
 * SLIPWAY_ENGINE_API_HEADERS_TIMEOUT_SECONDS, SLIPWAY_ENGINE_API_BODY_TIMEOUT_SECONDS, SLIPWAY_ENGINE_API_IDLE_TIMEOUT_SECONDS,
 * SLIPWAY_ENGINE_API_MAX_CONNECTIONS_PER_CLIENT, SLIPWAY_ENGINE_API_MAX_CONNECTIONS, SLIPWAY_RUN_ROOT,
 * SLIPWAY_DATA_ROOT, SLIPWAY_SOCKET_GROUP, SLIPWAY_TLS_DIR, SLIPWAY_TLS_RELOAD_SECONDS, SLIPWAY_ORCHESTRATOR_ADDR,
 * SLIPWAY_IMAGE_STORE_ADDR. Makes the run root private (0750 root:<group>).
 */
export function loadEngineApiConfig(argv = process.argv.slice(2), env = process.env, logger?: Logger): EngineApiConfig {
  const { values } = parseArgs({
    args: argv,
    options: {
      socket: { type: "string" },
      tcp: { type: "string" },
      "run-root": { type: "string" },
      "data-root": { type: "string" },
      "tls-dir": { type: "string" },
      tlscacert: { type: "string" },
      tlscert: { type: "string" },
      tlskey: { type: "string" },
      "max-body-bytes": { type: "string" },
      "headers-timeout": { type: "string" },
      "body-timeout": { type: "string" },
      "idle-timeout": { type: "string" },
      "max-connections-per-client": { type: "string" },
      "max-connections": { type: "string" },
    },
    strict: true,
  });
  const runRoot = writableDir(values["run-root"] ?? env.SLIPWAY_RUN_ROOT ?? DEFAULT_RUN_ROOT, "run root");
  const socketGroup = socketGroupFrom(env);
  secureRunRoot(runRoot, socketGroup);
  const socketPath = resolve(values.socket ?? (env.SLIPWAY_ENGINE_API_SOCKET || join(runRoot, "docker.sock")));
  if (Buffer.byteLength(socketPath) > 107) throw new ConfigError(`socket path ${socketPath} is longer than 107 bytes; use a shorter run root`);
  const endpoints = endpointsFrom(env, runRoot);
  const tlsDir = values["tls-dir"] ?? (env.SLIPWAY_TLS_DIR || undefined);
  const certificates = certificatesFrom("engine-api", tlsDir, env, logger);

  const tcpSource = values.tcp !== undefined ? "--tcp" : "SLIPWAY_ENGINE_API_TCP";
  const tcp = (values.tcp ?? env.SLIPWAY_ENGINE_API_TCP) || undefined;
  if (tcp) validateAddress(tcp, tcpSource);
  if (tcp?.startsWith("unix:")) throw new ConfigError(`${tcpSource}: "${tcp}" is not a TCP address; use host:port (the unix socket is --socket)`);
  const tcpCertificates = tcp ? tcpCertificatesFrom(tcp, tcpSource, values, env, tlsDir, certificates, logger) : undefined;

  return {
    socketPath,
    runRoot,
    socketGroup,
    tcp,
    tcpCertificates,
    // Not created here: the stores own it.
    dataRoot: resolve(values["data-root"] ?? env.SLIPWAY_DATA_ROOT ?? DEFAULT_DATA_ROOT),
    orchestrator: endpoints.orchestrator,
    imageStore: endpoints["image-store"],
    certificates,
    limits: {
      maxBodyBytes: positive(
        values["max-body-bytes"],
        "--max-body-bytes",
        env,
        "SLIPWAY_ENGINE_API_MAX_BODY_BYTES",
        DEFAULT_LIMITS.maxBodyBytes,
        "bytes",
        true,
      ),
      headersTimeoutMs: seconds(
        values["headers-timeout"],
        "--headers-timeout",
        env,
        "SLIPWAY_ENGINE_API_HEADERS_TIMEOUT_SECONDS",
        DEFAULT_LIMITS.headersTimeoutMs,
      ),
      bodyTimeoutMs: seconds(values["body-timeout"], "--body-timeout", env, "SLIPWAY_ENGINE_API_BODY_TIMEOUT_SECONDS", DEFAULT_LIMITS.bodyTimeoutMs),
      idleTimeoutMs: seconds(values["idle-timeout"], "--idle-timeout", env, "SLIPWAY_ENGINE_API_IDLE_TIMEOUT_SECONDS", DEFAULT_LIMITS.idleTimeoutMs),
      maxConnectionsPerClient: positive(
        values["max-connections-per-client"],
        "--max-connections-per-client",
        env,
        "SLIPWAY_ENGINE_API_MAX_CONNECTIONS_PER_CLIENT",
        DEFAULT_LIMITS.maxConnectionsPerClient,
        "connections",
        true,
      ),
      maxConnections: positive(
        values["max-connections"],
        "--max-connections",
        env,
        "SLIPWAY_ENGINE_API_MAX_CONNECTIONS",
        DEFAULT_LIMITS.maxConnections,
        "connections",
        true,
      ),
    },
  };
}

/**
 * The TCP listener is the network: like dockerd's --tlsverify, it serves HTTPS only and only to clients with
 * a certificate signed by the CA. The three files come from the flags (or their env vars), else from the
 * TLS directory (ca.crt, engine-api.crt, engine-api.key); without them TCP is refused.
 */
function tcpCertificatesFrom(
  tcp: string,
  tcpSource: string,
  values: { tlscacert?: string; tlscert?: string; tlskey?: string },
  env: NodeJS.ProcessEnv,
  tlsDir: string | undefined,
  dirCertificates: CertificateFiles | undefined,
  logger: Logger | undefined,
): CertificateFiles {
  const given = {
    ca: values.tlscacert ?? (env.SLIPWAY_ENGINE_API_TLS_CA || undefined),
    cert: values.tlscert ?? (env.SLIPWAY_ENGINE_API_TLS_CERT || undefined),
    key: values.tlskey ?? (env.SLIPWAY_ENGINE_API_TLS_KEY || undefined),
  };
  const named = Object.values(given).filter((v) => v !== undefined).length;
  if (named === 0) {
    if (dirCertificates) return dirCertificates;
    throw new ConfigError(
      `${tcpSource === "--tcp" ? "--tcp" : "SLIPWAY_ENGINE_API_TCP"} ${tcp} needs TLS: set --tlscacert, --tlscert and --tlskey (or SLIPWAY_TLS_DIR with the certificates from "npx slipway certs")`,
    );
  }
  const fromDir = tlsDir ? certificatePathsIn(resolve(tlsDir), "engine-api") : undefined;
  const flagOf = { ca: "--tlscacert", cert: "--tlscert", key: "--tlskey" } as const;
  const paths = Object.fromEntries(
    (["ca", "cert", "key"] as const).map((part) => {
      const path = given[part] ?? fromDir?.[part];
      if (!path) {
        throw new ConfigError(`${tcpSource} ${tcp} needs TLS: ${flagOf[part]} is missing (set --tlscacert, --tlscert and --tlskey together)`);
      }
      return [part, resolve(path)];
    }),
  ) as unknown as CertificatePaths;
  return certificatesAt(paths, env, logger);
}

function positive(
  flag: string | undefined,
  flagName: string,
  env: NodeJS.ProcessEnv,
  envName: string,
  fallback: number,
  unit: string,
  integer: boolean,
): number {
  const raw = flag ?? (env[envName] || undefined);
  if (raw === undefined) return fallback;
  const value = Number(raw);
  if (!(value > 0) || !Number.isFinite(value) || (integer && !Number.isSafeInteger(value))) {
    throw new ConfigError(`${flag !== undefined ? flagName : envName}: "${raw}" is not a positive ${integer ? "whole " : ""}number of ${unit}`);
  }
  return value;
}

function seconds(flag: string | undefined, flagName: string, env: NodeJS.ProcessEnv, envName: string, fallbackMs: number): number {
  return Math.round(positive(flag, flagName, env, envName, fallbackMs / 1000, "seconds", false) * 1000);
}
