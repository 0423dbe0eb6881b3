import { execFile } from "node:child_process";
import { promisify } from "node:util";

const run = promisify(execFile);

/**
 * The environment that points the stock docker CLI at an engine: DOCKER_HOST, and for a TLS listener
 * DOCKER_TLS_VERIFY=1 and DOCKER_CERT_PATH (a directory with ca.pem, cert.pem, key.pem).
 */
export type DockerEnv = Readonly<Record<string, string>>;

/**
 * Runs the stock docker CLI against `target` (a DOCKER_HOST URL, or a DockerEnv); resolves to its trimmed
 * stdout, rejects with its stderr and where it was pointed.
 */
export async function runDocker(target: string | DockerEnv, args: readonly string[]): Promise<string> {
  const env: DockerEnv = typeof target === "string" ? { DOCKER_HOST: target } : target;
  try {
    const { stdout } = await run("docker", [...args], { env: { ...process.env, ...env }, maxBuffer: 16 * 1024 * 1024 });
    return stdout.trim();
  } catch (err) {
    const { stderr = "" } = err as { stderr?: string };
    const where = Object.entries(env)
      .map(([name, value]) => `${name}=${value}`)
      .join(" ");
    throw new Error(`docker ${args.join(" ")} (${where}) failed: ${stderr.trim() || String(err)}`, { cause: err });
  }
}
