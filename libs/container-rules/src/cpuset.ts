import { badRequest } from "./model.js";

/** Go's strconv.Atoi range (int is 64 bits wide here). */
const MAX_INT = 2n ** 63n - 1n;

/**
 * parsers.ParseUintList: "0-2,4" → the ranges [0,2] and [4,4]; throws on bad syntax, as Atoi does on a number
 * beyond int64. Kept as ranges, not as every number in them: a request such as "0-4000000000" must not make
 * four billion entries.
 */
function parseUintList(text: string): [number, number][] {
  if (text === "") return [];
  return text.split(",").map((part) => {
    const range = /^(\d+)(?:-(\d+))?$/.exec(part);
    if (!range || BigInt(range[1]!) > MAX_INT || (range[2] !== undefined && BigInt(range[2]) > MAX_INT)) throw new Error(`invalid format: ${text}`);
    const start = Number(range[1]);
    const end = range[2] === undefined ? start : Number(range[2]);
    if (end < start) throw new Error(`invalid format: ${text}`);
    return [start, end];
  });
}

/** Whether every number of the ranges is one of `have` (a host's few CPUs or memory nodes). */
function allAvailable(ranges: readonly [number, number][], have: ReadonlySet<number>): boolean {
  return ranges.every(([start, end]) => {
    if (end - start + 1 > have.size) return false;
    for (let i = start; i <= end; i++) if (!have.has(i)) return false;
    return true;
  });
}

/** sysInfo.IsCpusetCpusAvailable / IsCpusetMemsAvailable with dockerd's messages. */
export function validateCpuset(kind: "cpus" | "mems", requested: string, available: string): void {
  let wanted: [number, number][];
  try {
    wanted = parseUintList(requested);
  } catch (err) {
    throw badRequest(`Invalid value ${requested} for cpuset ${kind}: ${(err as Error).message}`);
  }
  const have = new Set(parseUintList(available).flatMap(([start, end]) => Array.from({ length: end - start + 1 }, (_, i) => start + i)));
  if (!allAvailable(wanted, have)) {
    const what = kind === "cpus" ? "CPUs" : "memory nodes";
    throw badRequest(`Requested ${what} are not available - requested ${requested}, available: ${available}`);
  }
}
