import { PassThrough } from "node:stream";
import { runCli } from "./run.js";

/** Runs `slipway ARGS` in this process with the given environment; resolves with its exit code and output (tests). */
export async function runCaptured(args: readonly string[], env: NodeJS.ProcessEnv): Promise<{ code: number; stdout: string; stderr: string }> {
  const out = new PassThrough();
  const err = new PassThrough();
  let stdout = "";
  let stderr = "";
  out.on("data", (c) => (stdout += c));
  err.on("data", (c) => (stderr += c));
  const code = await runCli(args, { out, err, env, now: Date.now });
  return { code, stdout, stderr };
}
