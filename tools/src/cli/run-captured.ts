import { PassThrough, Readable } from "node:stream";
import { runCli } from "./run.js";

export interface CaptureOptions {
  /** What the command reads on stdin. */
  readonly stdin?: string;
  /** Make stdout a terminal this many columns wide (progress bars, cursor moves). */
  readonly terminalColumns?: number;
}

/** Runs `slipway ARGS` in this process with the given environment; resolves with its exit code and output (tests). */
export async function runCaptured(
  args: readonly string[],
  env: NodeJS.ProcessEnv,
  options: CaptureOptions = {},
): Promise<{ code: number; stdout: string; stderr: string }> {
  const columns = options.terminalColumns;
  const out = Object.assign(new PassThrough(), columns === undefined ? {} : { isTTY: true, columns });
  const err = new PassThrough();
  let stdout = "";
  let stderr = "";
  out.on("data", (c) => (stdout += c));
  err.on("data", (c) => (stderr += c));
  const code = await runCli(args, { out, err, stdin: () => Readable.from([options.stdin ?? ""]), env, now: Date.now });
  return { code, stdout, stderr };
}
