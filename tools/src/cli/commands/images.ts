import { createReadStream, createWriteStream } from "node:fs";
import { rename, rm } from "node:fs/promises";
import { pipeline } from "node:stream/promises";
import { Readable } from "node:stream";
import { truncateId } from "@slipway/docker-spec";
import type { CliContext } from "../context.js";
import { parseFlags, UsageError } from "../flags.js";
import { ProgressDisplay } from "../progress.js";
import { formatTable } from "../table.js";
import { humanDuration, humanSizeWithPrecision } from "@slipway/docker-spec";

/** `slipway load -i FILE [-q]`: streams the archive to image-store; a progress bar on a terminal. */
export async function load(args: readonly string[], ctx: CliContext): Promise<number> {
  const flags = parseFlags(args, [
    { long: "input", short: "i", kind: "string" },
    { long: "quiet", short: "q", kind: "bool" },
  ]);
  const input = flags.strings.get("input");
  if (!input) throw new UsageError("load needs the archive: slipway load -i FILE");
  const progress = ctx.out.isTTY && !flags.bools.has("quiet") ? new ProgressDisplay(ctx.out) : undefined;
  const chunks = (async function* () {
    for await (const chunk of createReadStream(input, { highWaterMark: 1 << 20 })) yield { chunk: chunk as Buffer };
  })();
  try {
    for await (const event of ctx.imageStore().loadImages(chunks)) {
      if (event.progress) progress?.update(event.progress.digest, event.progress.current, event.progress.total);
      if (event.loaded) {
        progress?.finish();
        ctx.out.write(`${event.loaded.message}\n`);
      }
    }
  } finally {
    progress?.finish();
  }
  return 0;
}

/** `slipway images [-a] [-q]`, docker's table: one row per tag, `<none>` for untagged images. */
export async function images(args: readonly string[], ctx: CliContext): Promise<number> {
  const flags = parseFlags(args, [
    { long: "all", short: "a", kind: "bool" },
    { long: "quiet", short: "q", kind: "bool" },
  ]);
  const { images: list } = await ctx.imageStore().listImages({ all: flags.bools.has("all"), filters: {} });
  if (flags.bools.has("quiet")) {
    ctx.out.write([...new Set(list.map((i) => truncateId(i.id)))].map((id) => `${id}\n`).join(""));
    return 0;
  }
  const rows = list.flatMap((image) => {
    const tags = image.repoTags.length > 0 ? image.repoTags.map(splitTag) : [["<none>", "<none>"]];
    const created = `${humanDuration(ctx.now() - image.created * 1000)} ago`;
    return tags.map(([repository, tag]) => [repository!, tag!, truncateId(image.id), created, humanSizeWithPrecision(image.size, 3)]);
  });
  ctx.out.write(formatTable(["REPOSITORY", "TAG", "IMAGE ID", "CREATED", "SIZE"], rows));
  return 0;
}

/** "golden:1" → ["golden", "1"]; the tag is after the last ":" that follows the last "/". */
function splitTag(reference: string): [string, string] {
  const at = reference.lastIndexOf(":");
  return at > reference.lastIndexOf("/") ? [reference.slice(0, at), reference.slice(at + 1)] : [reference, "<none>"];
}

/** `slipway save -o FILE IMAGE...`: written to a temp file and renamed, so a failure leaves no half archive. */
export async function save(args: readonly string[], ctx: CliContext): Promise<number> {
  const flags = parseFlags(args, [{ long: "output", short: "o", kind: "string" }]);
  if (flags.positionals.length === 0) throw new UsageError('"save" requires at least 1 argument: slipway save -o FILE IMAGE [IMAGE...]');
  const output = flags.strings.get("output");
  if (!output && ctx.out.isTTY) throw new UsageError("cowardly refusing to save to a terminal. Use the -o flag or redirect");
  const stream = Readable.from(
    (async function* () {
      for await (const { chunk } of ctx.imageStore().saveImages({ references: flags.positionals })) yield chunk;
    })(),
  );
  if (!output) {
    await pipeline(stream, ctx.out, { end: false });
    return 0;
  }
  const temp = `${output}.slipway-tmp`;
  try {
    await pipeline(stream, createWriteStream(temp));
    await rename(temp, output);
  } catch (err) {
    await rm(temp, { force: true });
    throw err;
  }
  return 0;
}
