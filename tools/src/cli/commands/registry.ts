import { InvalidReferenceError, parseNormalizedNamed, referenceString, withDefaultTag, type Reference } from "@slipway/docker-spec";
import { isOutcomeUnknown, SlipwayError } from "@slipway/errors";
import type { imagestore } from "@slipway/proto";
import type { CliContext } from "../context.js";
import { parseFlags, UsageError } from "../flags.js";
import { registryKey, storedAuth } from "../docker-config.js";
import { ProgressMessageDisplay } from "../progress-messages.js";

export const PULL_USAGE = "slipway pull [--platform OS[/ARCH[/VARIANT]]] [-q] NAME[:TAG|@DIGEST]";
export const PUSH_USAGE = "slipway push [-q] NAME[:TAG]";

/**
 * `slipway pull`: image-store pulls from the registry, and its progress is shown as `docker pull` shows it;
 * then the full reference, as the docker CLI ends (only that with -q).
 */
export async function pull(args: readonly string[], ctx: CliContext): Promise<number> {
  const flags = parseFlags(args, [
    { long: "platform", kind: "string" },
    { long: "quiet", short: "q", kind: "bool" },
  ]);
  const [text, reference] = referenceArgument("pull", PULL_USAGE, flags.positionals);
  // As the docker CLI asks: a name alone is its "latest" (image-store would pull every tag of it).
  const tag = reference.tag === undefined && reference.digest === undefined ? "latest" : "";
  const request = { reference: text, tag, platform: flags.strings.get("platform") ?? "", auth: storedAuth(ctx.env, registryKey(reference)) };
  const code = await showProgress(ctx.imageStore().pullImage(request), ctx, flags.bools.has("quiet"));
  if (code === 0) ctx.out.write(`${referenceString(withDefaultTag(reference))}\n`);
  return code;
}

/** `slipway push`: image-store pushes the tag (a name alone: each of its tags), shown as `docker push` shows it. */
export async function push(args: readonly string[], ctx: CliContext): Promise<number> {
  const flags = parseFlags(args, [{ long: "quiet", short: "q", kind: "bool" }]);
  const [text, reference] = referenceArgument("push", PUSH_USAGE, flags.positionals);
  const quiet = flags.bools.has("quiet");
  const code = await showProgress(ctx.imageStore().pushImage({ reference: text, auth: storedAuth(ctx.env, registryKey(reference)) }), ctx, quiet);
  if (code === 0 && quiet) ctx.out.write(`${referenceString(reference)}\n`);
  return code;
}

/** The one image reference a command takes, as typed and normalised (`alpine`: docker.io/library/alpine). */
function referenceArgument(command: string, usage: string, positionals: readonly string[]): [string, Reference] {
  if (positionals.length !== 1) throw new UsageError(`"${command}" requires exactly 1 argument: ${usage}`);
  try {
    return [positionals[0]!, parseNormalizedNamed(positionals[0]!)];
  } catch (err) {
    throw err instanceof InvalidReferenceError ? new UsageError(err.message) : err;
  }
}

/**
 * Shows a pull's or push's messages (none when quiet); resolves with the exit code. A failure before the first
 * message is image-store's answer and goes up as any command's error does; one after it ends the stream, and is
 * printed as the docker CLI prints a stream's error line: its message alone.
 */
async function showProgress(messages: AsyncIterable<{ progress?: imagestore.ProgressMessage }>, ctx: CliContext, quiet: boolean): Promise<number> {
  const display = quiet ? undefined : new ProgressMessageDisplay(ctx.out);
  let started = false;
  try {
    for await (const { progress } of messages) {
      started = true;
      if (progress) display?.show(progress);
    }
  } catch (err) {
    if (!started || !(err instanceof SlipwayError) || isOutcomeUnknown(err)) throw err;
    ctx.err.write(`${err.message}\n`);
    return 1;
  }
  return 0;
}
