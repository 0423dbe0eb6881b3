import { readdirSync } from "node:fs";
import { statusBytes } from "../bench/process-memory.js";

/** One sample of the stack's processes. */
export interface Sample {
  /** Seconds since the soak started. */
  readonly at: number;
  /** Summed over the stack's processes (the launcher and the apps). */
  readonly rssMiB: number;
  readonly fds: number;
  /** The worst p99 event-loop delay any process reported since the previous sample, in ms. */
  readonly loopDelayP99Ms: number;
}

/** Open file descriptors of a process; 0 when it is gone. */
export function openFds(pid: number): number {
  try {
    return readdirSync(`/proc/${pid}/fd`).length;
  } catch {
    return 0;
  }
}

/** RSS and fds of the given processes, and the loop delays their log lines reported (see reportEventLoopDelay). */
export function sample(at: number, pids: readonly number[], loopDelayLines: readonly string[]): Sample {
  const delays = loopDelayLines.flatMap((line) => {
    try {
      const entry = JSON.parse(line) as { msg?: string; p99Ms?: number };
      return entry.msg === "event loop delay" && typeof entry.p99Ms === "number" ? [entry.p99Ms] : [];
    } catch {
      return [];
    }
  });
  return {
    at,
    rssMiB: pids.reduce((sum, pid) => sum + statusBytes(pid, "VmRSS"), 0) / 2 ** 20,
    fds: pids.reduce((sum, pid) => sum + openFds(pid), 0),
    loopDelayP99Ms: Math.max(0, ...delays),
  };
}
