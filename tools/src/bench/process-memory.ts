import { readFileSync, readdirSync } from "node:fs";

/** A field of /proc/<pid>/status in bytes (VmRSS, VmHWM), 0 when the process is gone. */
export function statusBytes(pid: number, field: "VmRSS" | "VmHWM"): number {
  try {
    const match = new RegExp(`^${field}:\\s+(\\d+) kB`, "m").exec(readFileSync(`/proc/${pid}/status`, "utf8"));
    return match ? Number(match[1]) * 1024 : 0;
  } catch {
    return 0;
  }
}

/** The pid and all its descendants (dockerd starts containerd and unpack helpers). */
export function processTree(root: number): number[] {
  const children = new Map<number, number[]>();
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const ppid = Number(/^PPid:\s+(\d+)/m.exec(readFileSync(`/proc/${entry}/status`, "utf8"))?.[1]);
      children.set(ppid, [...(children.get(ppid) ?? []), Number(entry)]);
    } catch {
      // the process ended while we looked
    }
  }
  const tree = [root];
  for (let i = 0; i < tree.length; i++) tree.push(...(children.get(tree[i]!) ?? []));
  return tree;
}

/** Samples the summed RSS of a process tree every `ms` until stopped; reports the peak and its growth over the start. */
export function sampleRss(root: () => number[], ms = 50): { stop(): { peak: number; growth: number } } {
  const total = () => root().reduce((sum, pid) => sum + statusBytes(pid, "VmRSS"), 0);
  const baseline = total();
  let peak = baseline;
  const timer = setInterval(() => (peak = Math.max(peak, total())), ms);
  return {
    stop: () => {
      clearInterval(timer);
      return { peak, growth: Math.max(0, peak - baseline) };
    },
  };
}
