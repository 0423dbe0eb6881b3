import { isOutcomeUnknown, SlipwayError } from "@slipway/errors";
import { certs, CERTS_USAGE } from "./commands/certs.js";
import { create, inspect, ps, rm } from "./commands/containers.js";
import { fsck, FSCK_USAGE } from "./commands/fsck.js";
import { images, load, save } from "./commands/images.js";
import { login, LOGIN_USAGE } from "./commands/login.js";
import { pull, PULL_USAGE, push, PUSH_USAGE } from "./commands/registry.js";
import { connect, endpointsFrom, type CliContext } from "./context.js";
import { UsageError } from "./flags.js";

/** A command's usage line without the leading "slipway ", for the command list. */
const withoutProgram = (usage: string) => usage.replace(/^slipway /, "");

type Command = (args: readonly string[], ctx: CliContext) => Promise<number>;
/** A command that works on this machine alone: it gets no gRPC clients, so it never needs a running stack. */
type LocalCommand = (args: readonly string[], ctx: Omit<CliContext, "orchestrator" | "imageStore">) => Promise<number>;

const COMMANDS: Record<string, { run: Command; summary: string } | { runLocal: LocalCommand; summary: string }> = {
  load: { run: load, summary: "Load an image archive (docker save format or OCI layout): load -i FILE [-q]" },
  images: { run: images, summary: "List images: images [-a] [-q]" },
  create: {
    run: create,
    summary:
      "Create a container: create [-i] [-t] [--name N] [-e K=V] [--entrypoint E] [-p P] [--restart R] [-m M] [-w DIR] [-u USER] [-l K=V] [-v V] IMAGE [CMD...]",
  },
  ps: { run: ps, summary: "List containers: ps [-a] [-q] [--no-trunc]" },
  inspect: { run: inspect, summary: "Show a container's docker inspect document: inspect CONTAINER..." },
  rm: { run: rm, summary: "Remove containers (-v: and their anonymous volumes): rm [-v] CONTAINER..." },
  save: { run: save, summary: "Save images to a docker-save archive: save -o FILE IMAGE..." },
  pull: { run: pull, summary: `Pull an image from its registry, a progress bar per layer on a terminal: ${withoutProgram(PULL_USAGE)}` },
  push: { run: push, summary: `Push an image to its registry, a progress bar per layer on a terminal: ${withoutProgram(PUSH_USAGE)}` },
  login: { run: login, summary: `Log in to a registry, storing the credentials as docker login does: ${withoutProgram(LOGIN_USAGE)}` },
  certs: { runLocal: certs, summary: `Write the mutual-TLS CA and a certificate per app, no stack needed: ${withoutProgram(CERTS_USAGE)}` },
  fsck: { runLocal: fsck, summary: `Check a data root's integrity on disk, no stack needed: ${withoutProgram(FSCK_USAGE)}` },
};

export const USAGE = [
  "Usage: slipway [--orchestrator ADDR] [--image-store ADDR] [--tls-dir DIR] COMMAND [ARGS]",
  "",
  "Talks gRPC to Slipway's orchestrator and image-store (defaults: $SLIPWAY_ORCHESTRATOR_ADDR and",
  "$SLIPWAY_IMAGE_STORE_ADDR, else their sockets in $SLIPWAY_RUN_ROOT or ./.slipway/run, where `npm start` puts",
  "them). A host:port address is spoken with mutual TLS, as `cli`, with ca.crt, cli.crt and cli.key from",
  "--tls-dir or $SLIPWAY_TLS_DIR. `certs` works offline.",
  "",
  "Commands:",
  ...Object.entries(COMMANDS).map(([name, { summary }]) => `  ${name.padEnd(8)} ${summary}`),
  "",
].join("\n");

/** Runs one CLI invocation; resolves with the exit code. Every failure becomes one line a person can act on. */
export async function runCli(argv: readonly string[], io: Omit<CliContext, "orchestrator" | "imageStore">): Promise<number> {
  let parsed: ReturnType<typeof globalFlags>;
  try {
    parsed = globalFlags(argv);
  } catch (err) {
    io.err.write(`slipway: ${(err as Error).message}\n`);
    return 2;
  }
  const { flags, rest } = parsed;
  const [name, ...args] = rest;
  if (!name || name === "help" || name === "--help" || name === "-h") {
    (name ? io.out : io.err).write(USAGE);
    return name ? 0 : 2;
  }
  const command = COMMANDS[name];
  if (!command) {
    io.err.write(`slipway: '${name}' is not a slipway command.\n${USAGE}`);
    return 2;
  }
  const endpoints = endpointsFrom(flags, io.env);
  const clients = "run" in command ? connect(endpoints) : undefined;
  try {
    return await ("run" in command ? command.run(args, { ...io, ...clients! }) : command.runLocal(args, io));
  } catch (err) {
    io.err.write(`${describeError(err, endpoints)}\n`);
    return err instanceof UsageError ? 2 : 1;
  } finally {
    clients?.close();
  }
}

function describeError(err: unknown, endpoints: { orchestrator: string; imageStore: string }): string {
  if (err instanceof UsageError) return `slipway: ${err.message}\nSee 'slipway help'.`;
  if (err instanceof SlipwayError && isOutcomeUnknown(err)) {
    return `Cannot reach Slipway: ${err.message}\nIs it running (npm start)? Endpoints used: orchestrator ${endpoints.orchestrator}, image-store ${endpoints.imageStore} (set --orchestrator/--image-store or SLIPWAY_*_ADDR).`;
  }
  if (err instanceof SlipwayError && (err.kind === "unauthenticated" || err.kind === "permission_denied")) {
    return `Slipway refused the CLI: ${err.message}`;
  }
  if (err instanceof SlipwayError) return `Error response from daemon: ${err.message}`;
  return `slipway: ${err instanceof Error ? err.message : String(err)}`;
}

/** --orchestrator, --image-store and --tls-dir, accepted before the command. */
function globalFlags(argv: readonly string[]): { flags: Map<string, string>; rest: string[] } {
  const flags = new Map<string, string>();
  let i = 0;
  for (; i < argv.length; i++) {
    const match = /^--(orchestrator|image-store|tls-dir)(?:=(.*))?$/.exec(argv[i]!);
    if (!match) break;
    const value = match[2] ?? argv[++i];
    if (value === undefined) throw new UsageError(`flag needs an argument: --${match[1]}`);
    flags.set(match[1]!, value);
  }
  return { flags, rest: argv.slice(i) };
}
