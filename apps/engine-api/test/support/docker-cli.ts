import { spawn } from "node:child_process";
import { existsSync, mkdirSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

/** The CLI the captures were made with (28.2.2 in /usr/local/bin on these machines), else Debian's. */
export const DOCKER_CLI =
  process.env.DOCKER_CLI ?? ["/usr/local/bin/docker", "/usr/bin/docker"].find((path) => existsSync(path)) ?? "/usr/local/bin/docker";

export interface CliResult {
  readonly code: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

/** Fails loudly when the stock docker CLI is missing: these tests are about it. */
export function requireDockerCli(): void {
  if (!existsSync(DOCKER_CLI)) {
    throw new Error(`the docker CLI is not at ${DOCKER_CLI}; install docker.io (or set DOCKER_CLI) to run the engine-api tests`);
  }
}

/** An empty config dir shared by every run (the CLI only reads it here): no user contexts, nothing left per run. */
const isolatedConfig = join(tmpdir(), "slipway-engine-api-docker-config");
mkdirSync(isolatedConfig, { recursive: true });

/** Runs the stock docker CLI against the given socket, with the isolated config dir. */
export function docker(socketPath: string, args: readonly string[], stdin?: Buffer): Promise<CliResult> {
  return runDockerCli(DOCKER_CLI, ["-H", `unix://${socketPath}`, ...args], stdin);
}

/** The CLI against a socket, with a config dir of its own when given (login stores credentials there). */
export function dockerAt(socketPath: string, args: readonly string[], options: { config?: string; stdin?: string } = {}): Promise<CliResult> {
  const config = options.config ? ["--config", options.config] : [];
  return docker(socketPath, [...config, ...args], options.stdin === undefined ? undefined : Buffer.from(options.stdin));
}

/** Runs a docker CLI binary with the isolated config dir and no DOCKER_* settings but those in `args`. */
export function runDockerCli(cli: string, args: readonly string[], stdin?: Buffer): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const env = { PATH: process.env.PATH ?? "/usr/bin:/bin", DOCKER_CONFIG: isolatedConfig };
    const child = spawn(cli, args, { env, stdio: ["pipe", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (d: Buffer) => (stdout += d));
    child.stderr.on("data", (d: Buffer) => (stderr += d));
    child.once("error", reject);
    child.once("close", (code) => resolve({ code, stdout, stderr }));
    child.stdin.end(stdin);
  });
}
