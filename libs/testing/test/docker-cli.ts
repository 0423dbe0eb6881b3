import { execFile } from "node:child_process";
import { promisify } from "node:util";

const run = promisify(execFile);

/** Runs the stock docker CLI against DOCKER_HOST; resolves to trimmed stdout, rejects with its stderr. */
export async function docker(dockerHost: string, args: string[]): Promise<string> {
  try {
    const { stdout } = await run("docker", args, { env: { ...process.env, DOCKER_HOST: dockerHost } });
    return stdout.trim();
  } catch (err) {
    const { stderr = "" } = err as { stderr?: string };
    throw new Error(`docker ${args.join(" ")} (DOCKER_HOST=${dockerHost}) failed: ${stderr.trim() || String(err)}`);
  }
}
