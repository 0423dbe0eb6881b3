import { join, resolve } from "node:path";
import { parseArgs } from "node:util";
import { ConfigError, DEFAULT_DATA_ROOT, DEFAULT_RUN_ROOT, SERVICES, validateAddress, writableDir } from "@slipway/grpc-kit";

export interface EngineApiConfig {
  /** Unix socket the Docker CLI talks to ($SLIPWAY_RUN_ROOT/docker.sock by default). */
  readonly socketPath: string;
  /** Optional TCP listener "host:port"; loopback unless configured otherwise. */
  readonly tcp: string | undefined;
  /** Absolute data root of the stores; engine-api only reports it (`docker info` DockerRootDir). */
  readonly dataRoot: string;
  readonly orchestrator: string;
  readonly imageStore: string;
}

/**
 * Flags --socket, --tcp, --run-root, --data-root; env SLIPWAY_ENGINE_API_SOCKET, SLIPWAY_ENGINE_API_TCP,
 * SLIPWAY_RUN_ROOT, SLIPWAY_DATA_ROOT, SLIPWAY_ORCHESTRATOR_ADDR, SLIPWAY_IMAGE_STORE_ADDR.
 */
export function loadEngineApiConfig(argv = process.argv.slice(2), env = process.env): EngineApiConfig {
  const { values } = parseArgs({
    args: argv,
    options: {
      socket: { type: "string" },
      tcp: { type: "string" },
      "run-root": { type: "string" },
      "data-root": { type: "string" },
    },
    strict: true,
  });
  const runRoot = writableDir(values["run-root"] ?? env.SLIPWAY_RUN_ROOT ?? DEFAULT_RUN_ROOT, "run root");
  const tcp = values.tcp ?? env.SLIPWAY_ENGINE_API_TCP;
  if (tcp) validateAddress(tcp, values.tcp ? "--tcp" : "SLIPWAY_ENGINE_API_TCP");
  const socketPath = values.socket ?? env.SLIPWAY_ENGINE_API_SOCKET ?? join(runRoot, "docker.sock");
  if (socketPath.length > 107) throw new ConfigError(`socket path ${socketPath} is longer than 107 bytes; use a shorter run root`);
  const endpoint = (name: "orchestrator" | "image-store") => {
    const value = env[SERVICES[name].env] ?? `127.0.0.1:${SERVICES[name].port}`;
    validateAddress(value, SERVICES[name].env);
    return value;
  };
  return {
    socketPath,
    tcp: tcp || undefined,
    // Not created here: the stores own it.
    dataRoot: resolve(values["data-root"] ?? env.SLIPWAY_DATA_ROOT ?? DEFAULT_DATA_ROOT),
    orchestrator: endpoint("orchestrator"),
    imageStore: endpoint("image-store"),
  };
}
