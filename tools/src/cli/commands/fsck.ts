import { existsSync } from "node:fs";
import { DEFAULT_DATA_ROOT } from "@slipway/grpc-kit";
import { checkDataRoot } from "../../fsck/checks.js";
import { readDataRoot } from "../../fsck/data-root.js";
import { formatReport } from "../../fsck/report.js";
import type { CliContext } from "../context.js";
import { parseFlags, UsageError } from "../flags.js";

export const FSCK_USAGE = "slipway fsck [--data-root DIR] [--json]";

/**
 * `slipway fsck`: checks a data root's referential integrity on disk (no stack needed; best with Slipway
 * stopped). Exit code 0 when clean, 1 when it found problems; `--json` prints the report as JSON.
 */
export async function fsck(args: readonly string[], ctx: Pick<CliContext, "out" | "env">): Promise<number> {
  const flags = parseFlags(args, [
    { long: "data-root", kind: "string" },
    { long: "json", kind: "bool" },
  ]);
  if (flags.positionals.length > 0) throw new UsageError(`"fsck" takes no arguments (got "${flags.positionals[0]}"): ${FSCK_USAGE}`);
  const dataRoot = flags.strings.get("data-root") ?? ctx.env.SLIPWAY_DATA_ROOT ?? DEFAULT_DATA_ROOT;
  if (!existsSync(dataRoot)) throw new UsageError(`no data root at ${dataRoot}: give --data-root or set SLIPWAY_DATA_ROOT`);
  const report = checkDataRoot(readDataRoot(dataRoot));
  ctx.out.write(flags.bools.has("json") ? `${JSON.stringify(report)}\n` : formatReport(report, dataRoot));
  return report.problems.length === 0 ? 0 : 1;
}
