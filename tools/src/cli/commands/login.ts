import { SlipwayError } from "@slipway/errors";
import type { imagestore } from "@slipway/proto";
import type { CliContext } from "../context.js";
import { DOCKER_HUB_KEY, storeAuth } from "../docker-config.js";
import { parseFlags, UsageError } from "../flags.js";

export const LOGIN_USAGE = "slipway login [SERVER] -u USER (-p PASSWORD | --password-stdin)";

/**
 * `slipway login`: image-store checks the credentials with the registry (Docker Hub without SERVER), and they
 * are stored where `docker login` stores them, for later pulls and pushes of either CLI.
 */
export async function login(args: readonly string[], ctx: CliContext): Promise<number> {
  const flags = parseFlags(args, [
    { long: "username", short: "u", kind: "string" },
    { long: "password", short: "p", kind: "string" },
    { long: "password-stdin", kind: "bool" },
  ]);
  const username = flags.strings.get("username");
  const fromStdin = flags.bools.has("password-stdin");
  if (flags.positionals.length > 1 || !username || fromStdin === flags.strings.has("password")) {
    throw new UsageError(`login needs a user name and one password: ${LOGIN_USAGE}`);
  }
  if (!fromStdin) ctx.err.write("WARNING! Using --password via the CLI is insecure. Use --password-stdin.\n");
  const password = fromStdin ? await passwordOnStdin(ctx.stdin()) : flags.strings.get("password")!;
  const server = flags.positionals[0] ?? "docker.io";
  const serverAddress = server === "docker.io" ? DOCKER_HUB_KEY : server;
  const auth = { username, password, identityToken: "", registryToken: "", serverAddress };
  let answer: imagestore.LoginResponse;
  try {
    answer = await ctx.imageStore().login({ auth });
  } catch (err) {
    // The registry refused the credentials (not Slipway the CLI): its words, as dockerd's 401 reaches the docker CLI.
    if (!(err instanceof SlipwayError) || err.kind !== "unauthenticated") throw err;
    ctx.err.write(`Error response from daemon: ${err.message}\n`);
    return 1;
  }
  const { status, identityToken } = answer;
  const path = storeAuth(ctx.env, serverAddress, username, password, identityToken);
  ctx.err.write(`WARNING! Your password will be stored unencrypted in ${path}.\n`);
  ctx.out.write(`${status}\n`);
  return 0;
}

/** The password piped in: stdin to its end, without the trailing newline (as docker's --password-stdin reads it). */
async function passwordOnStdin(input: NodeJS.ReadableStream): Promise<string> {
  let text = "";
  for await (const chunk of input) text += chunk.toString();
  const password = text.replace(/\r?\n$/, "");
  if (password === "")
    throw new UsageError("--password-stdin read no password: pipe it in, e.g. cat password.txt | slipway login -u USER --password-stdin SERVER");
  return password;
}
