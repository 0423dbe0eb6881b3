import { badRequest } from "./model.js";

/** parsers.ParseUintList: "0-2,4" → {0,1,2,4}; throws on bad syntax. */
function parseUintList(text: string): Set<number> {
  const out = new Set<number>();
  if (text === "") return out;
  for (const part of text.split(",")) {
    const range = /^(\d+)(?:-(\d+))?$/.exec(part);
    if (!range) throw new Error(`invalid format: ${text}`);
    const start = Number(range[1]);
    const end = range[2] === undefined ? start : Number(range[2]);
    if (end < start) throw new Error(`invalid format: ${text}`);
    for (let i = start; i <= end; i++) out.add(i);
  }
  return out;
}

/** sysInfo.IsCpusetCpusAvailable / IsCpusetMemsAvailable with dockerd's messages. */
export function validateCpuset(kind: "cpus" | "mems", requested: string, available: string): void {
  let wanted: Set<number>;
  try {
    wanted = parseUintList(requested);
  } catch (err) {
    throw badRequest(`Invalid value ${requested} for cpuset ${kind}: ${(err as Error).message}`);
  }
  const have = parseUintList(available);
  if ([...wanted].some((n) => !have.has(n))) {
    const what = kind === "cpus" ? "CPUs" : "memory nodes";
    throw badRequest(`Requested ${what} are not available - requested ${requested}, available: ${available}`);
  }
}
