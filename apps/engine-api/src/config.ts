import { join } from "node:path";
import { parseArgs } from "node:util";
import { ConfigError, DEFAULT_RUN_ROOT, SERVICES, validateAddress, writableDir } from "@slipway/grpc-kit";

export interface EngineApiConfig {
  /** Unix socket the Docker CLI talks to ($SLIPWAY_RUN_ROOT/docker.sock by default). */
  readonly socketPath: string;
  /** Optional TCP listener "host:port"; loopback unless configured otherwise. */
  readonly tcp: string | undefined;
  readonly orchestrator: string;
  readonly imageStore: string;
}

/** Flags --socket, --tcp, --run-root; env SLIPWAY_ENGINE_API_SOCKET, SLIPWAY_ENGINE_API_TCP, SLIPWAY_RUN_ROOT. */
export function loadEngineApiConfig(argv = process.argv.slice(2), env = process.env): EngineApiConfig {
  const { values } = parseArgs({
    args: argv,
    options: { socket: { type: "string" }, tcp: { type: "string" }, "run-root": { type: "string" } },
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
  return { socketPath, tcp: tcp || undefined, orchestrator: endpoint("orchestrator"), imageStore: endpoint("image-store") };
}
