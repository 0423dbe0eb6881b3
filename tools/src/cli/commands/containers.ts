import { truncateId } from "@slipway/docker-spec";
import { isOutcomeUnknown, SlipwayError } from "@slipway/errors";
import type { CliContext } from "../context.js";
import { createRequestFromArgs } from "../create-request.js";
import { parseFlags, UsageError } from "../flags.js";
import { inspectOutput } from "../json-indent.js";
import { ellipsis, formatTable } from "../table.js";
import { humanDuration } from "@slipway/docker-spec";

/** `slipway create [OPTIONS] IMAGE [COMMAND] [ARG...]`: prints the new ID, warnings on stderr. */
export async function create(args: readonly string[], ctx: CliContext): Promise<number> {
  const consoleSize: [number, number] = ctx.out.isTTY ? [ctx.out.rows ?? 0, ctx.out.columns ?? 0] : [0, 0];
  const request = createRequestFromArgs(args, { env: ctx.env, consoleSize });
  const { id, warnings } = await ctx.orchestrator().createContainer({ name: request.name, createRequestJson: request.body, apiVersion: "1.41" });
  for (const warning of warnings) ctx.err.write(`WARNING: ${warning}\n`);
  ctx.out.write(`${id}\n`);
  return 0;
}

/** `slipway ps [-a] [-q] [--no-trunc]`, docker's table. */
export async function ps(args: readonly string[], ctx: CliContext): Promise<number> {
  const flags = parseFlags(args, [
    { long: "all", short: "a", kind: "bool" },
    { long: "quiet", short: "q", kind: "bool" },
    { long: "no-trunc", kind: "bool" },
  ]);
  if (flags.positionals.length > 0) throw new UsageError('"ps" accepts no arguments');
  const all = flags.bools.has("all");
  const full = flags.bools.has("no-trunc");
  const { containers } = await ctx.orchestrator().listContainers({ query: { filters: {}, all, limit: 0 } });
  if (flags.bools.has("quiet")) {
    ctx.out.write(containers.map((c) => `${full ? c.id : truncateId(c.id)}\n`).join(""));
    return 0;
  }
  const rows = containers.map((c) => [
    full ? c.id : truncateId(c.id),
    c.image.startsWith("sha256:") && !full ? truncateId(c.image) : c.image,
    JSON.stringify(full ? c.command : ellipsis(c.command, 20)),
    `${humanDuration(ctx.now() - c.created * 1000)} ago`,
    c.status,
    c.ports.map((p) => (p.publicPort ? `${p.ip}:${p.publicPort}->${p.privatePort}/${p.type}` : `${p.privatePort}/${p.type}`)).join(", "),
    c.names
      .map((n) => n.replace(/^\//, ""))
      .filter((n) => !n.includes("/"))
      .join(","),
  ]);
  ctx.out.write(formatTable(["CONTAINER ID", "IMAGE", "COMMAND", "CREATED", "STATUS", "PORTS", "NAMES"], rows));
  return 0;
}

/** `slipway inspect NAME...`: the raw documents as docker prints them; unknown names on stderr, exit 1. */
export async function inspect(args: readonly string[], ctx: CliContext): Promise<number> {
  const { positionals } = parseFlags(args, []);
  if (positionals.length === 0) throw new UsageError('"inspect" requires at least 1 argument: slipway inspect CONTAINER [CONTAINER...]');
  const documents: string[] = [];
  const errors: string[] = [];
  for (const idOrName of positionals) {
    try {
      documents.push((await ctx.orchestrator().inspectContainer({ idOrName, size: false })).inspectJson.toString("utf8"));
    } catch (err) {
      if (!(err instanceof SlipwayError) || err.kind !== "not_found") throw err;
      errors.push(`Error: No such object: ${idOrName}`);
    }
  }
  ctx.out.write(inspectOutput(documents));
  for (const line of errors) ctx.err.write(`${line}\n`);
  return errors.length > 0 ? 1 : 0;
}

/** `slipway rm [-v] [-f] CONTAINER...`: prints each name as typed once it is gone. */
export async function rm(args: readonly string[], ctx: CliContext): Promise<number> {
  const flags = parseFlags(args, [
    { long: "volumes", short: "v", kind: "bool" },
    { long: "force", short: "f", kind: "bool" },
  ]);
  if (flags.positionals.length === 0) throw new UsageError('"rm" requires at least 1 argument: slipway rm [-v] CONTAINER [CONTAINER...]');
  let failed = 0;
  for (const idOrName of flags.positionals) {
    try {
      await ctx.orchestrator().removeContainer({ idOrName, removeVolumes: flags.bools.has("volumes"), force: flags.bools.has("force") });
      ctx.out.write(`${idOrName}\n`);
    } catch (err) {
      if (!(err instanceof SlipwayError) || isOutcomeUnknown(err)) throw err;
      ctx.err.write(`Error response from daemon: ${err.message}\n`);
      failed++;
    }
  }
  return failed > 0 ? 1 : 0;
}
