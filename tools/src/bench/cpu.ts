import { execFileSync } from "node:child_process";
import { readdirSync, readFileSync } from "node:fs";

/** The CPU time one process has used so far, as /proc shows it. */
export interface ProcessCpu {
  /** utime + stime of all its threads, ended ones included, in clock ticks. */
  readonly ticks: number;
  /**
   * cutime + cstime: what its children used that ended and were waited for, in clock ticks. dockerd extracts
   * each layer in a child it starts for the purpose, so a load's or a pull's CPU is mostly there.
   */
  readonly childTicks: number;
  /** Nanoseconds on a CPU of each live thread (schedstat), by thread id; absent where the kernel keeps none. */
  readonly threadNs?: ReadonlyMap<number, number>;
}

/** ProcessCpu by pid, at one moment. */
export type CpuSnapshot = ReadonlyMap<number, ProcessCpu>;

/** CPU used by a set of processes over a phase. */
export interface CpuUse {
  readonly ms: number;
  readonly processes: number;
  /** "schedstat" (ns) for every process, "stat" (clock ticks) for every one, or "mixed". */
  readonly source: "schedstat" | "stat" | "mixed";
}

/**
 * utime + stime, and cutime + cstime, in clock ticks from a /proc/<pid>/stat line (whose command name may hold
 * spaces and parentheses).
 */
export function statTicks(line: string): { ticks: number; childTicks: number } {
  // After "pid (comm) ", fields start at the state (field 3); utime, stime, cutime and cstime are fields 14 to 17.
  const fields = line.slice(line.lastIndexOf(")") + 2).split(" ");
  return { ticks: Number(fields[11]) + Number(fields[12]), childTicks: Number(fields[13]) + Number(fields[14]) };
}

/** The time on a CPU, in ns, from a /proc/<pid>/task/<tid>/schedstat line. */
export function schedstatNs(line: string): number {
  return Number(line.split(" ")[0]);
}

/**
 * CPU used between two snapshots. A process is counted in ns when schedstat covers it at both ends and none of
 * its threads ended meanwhile (an ended thread takes its ns with it), otherwise in clock ticks; the children it
 * waited for meanwhile are added in clock ticks. A process that started during the phase is counted whole; one
 * that ended took its CPU with it.
 */
export function cpuBetween(before: CpuSnapshot, after: CpuSnapshot, msPerTick: number): CpuUse {
  let ms = 0;
  let precise = 0;
  for (const [pid, end] of after) {
    const start = before.get(pid);
    const ns = start ? threadNsDelta(start, end) : undefined;
    if (ns !== undefined) precise++;
    ms += ns !== undefined ? ns / 1e6 : (end.ticks - (start?.ticks ?? 0)) * msPerTick;
    ms += (end.childTicks - (start?.childTicks ?? 0)) * msPerTick;
  }
  const source = precise === after.size ? "schedstat" : precise === 0 ? "stat" : "mixed";
  return { ms: Math.round(ms * 100) / 100, processes: after.size, source };
}

function threadNsDelta(start: ProcessCpu, end: ProcessCpu): number | undefined {
  if (!start.threadNs || !end.threadNs) return undefined;
  let ns = 0;
  for (const [tid, startNs] of start.threadNs) {
    const endNs = end.threadNs.get(tid);
    if (endNs === undefined) return undefined;
    ns += endNs - startNs;
  }
  for (const [tid, endNs] of end.threadNs) if (!start.threadNs.has(tid)) ns += endNs;
  return ns;
}

const ENDED = new Set(["ENOENT", "ESRCH"]);

/** What `read` returns, or undefined when the process or thread it reads has ended. */
function ifPresent<T>(read: () => T): T | undefined {
  try {
    return read();
  } catch (err) {
    if (ENDED.has((err as NodeJS.ErrnoException).code ?? "")) return undefined;
    throw err;
  }
}

function readProcessCpu(pid: number): ProcessCpu | undefined {
  const stat = ifPresent(() => readFileSync(`/proc/${pid}/stat`, "utf8"));
  const tids = ifPresent(() => readdirSync(`/proc/${pid}/task`));
  if (stat === undefined || tids === undefined) return undefined;
  const { ticks, childTicks } = statTicks(stat);
  const threadNs = new Map<number, number>();
  for (const tid of tids) {
    // A thread that ended meanwhile is left out; cpuBetween then counts this process in ticks.
    const line = ifPresent(() => readFileSync(`/proc/${pid}/task/${tid}/schedstat`, "utf8"));
    if (line !== undefined) threadNs.set(Number(tid), schedstatNs(line));
  }
  // A kernel without sched_info shows "0 0 0" for every thread.
  const keepsNs = [...threadNs.values()].every(Number.isFinite) && (ticks === 0 || [...threadNs.values()].some((ns) => ns > 0));
  return keepsNs ? { ticks, childTicks, threadNs } : { ticks, childTicks };
}

export function cpuSnapshot(pids: Iterable<number>): CpuSnapshot {
  const snapshot = new Map<number, ProcessCpu>();
  for (const pid of new Set(pids)) {
    const cpu = readProcessCpu(pid);
    if (cpu) snapshot.set(pid, cpu);
  }
  return snapshot;
}

let msPerTick: number | undefined;

/** 1000 / CLK_TCK (10 on every common Linux build). */
function clockTickMs(): number {
  msPerTick ??= 1000 / Number(execFileSync("getconf", ["CLK_TCK"], { encoding: "utf8" }).trim());
  return msPerTick;
}

/** Runs `work` and reports the CPU the processes `pids()` names (asked at the start and at the end) used meanwhile. */
export async function withCpu<T>(pids: () => number[], work: () => Promise<T>): Promise<{ result: T; cpu: CpuUse }> {
  const startPids = pids();
  const before = cpuSnapshot(startPids);
  const result = await work();
  const after = cpuSnapshot([...startPids, ...pids()]);
  return { result, cpu: cpuBetween(before, after, clockTickMs()) };
}
