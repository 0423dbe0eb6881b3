import { expect, it } from "vitest";
import { cpuBetween, schedstatNs, statTicks, type CpuSnapshot, type ProcessCpu } from "./cpu.js";

it("reads utime + stime and cutime + cstime from a stat line whose command name holds spaces and parentheses", () => {
  const line = "4242 (node (a) b) S 1 4242 4242 0 -1 4194560 100 0 0 0 250 37 40 2 20 0 11 0 1000 1 1 0";
  expect(statTicks(line)).toEqual({ ticks: 287, childTicks: 42 });
});

it("reads the ns on a CPU from a schedstat line", () => {
  expect(schedstatNs("51296122746 63364493710 352089\n")).toBe(51296122746);
});

/** A process's CPU: its clock ticks, its ended children's, and, when given, the ns of each thread by thread id. */
const cpu = (ticks: number, threadNs?: Record<number, number>, childTicks = 0): ProcessCpu => ({
  ticks,
  childTicks,
  threadNs: threadNs && new Map(Object.entries(threadNs).map(([tid, ns]) => [Number(tid), ns])),
});
const snapshot = (byPid: Record<number, ProcessCpu>): CpuSnapshot => new Map(Object.entries(byPid).map(([pid, p]) => [Number(pid), p]));

it("counts in ns when every thread of a process lived through the phase, and counts threads born meanwhile", () => {
  const before = snapshot({ 10: cpu(100, { 10: 5e6, 11: 1e6 }) });
  const after = snapshot({ 10: cpu(900, { 10: 8.5e6, 11: 2e6, 12: 0.25e6 }) });
  expect(cpuBetween(before, after, 10)).toEqual({ ms: 4.75, processes: 1, source: "schedstat" });
});

it("falls back to clock ticks for a process one of whose threads ended", () => {
  const before = snapshot({ 10: cpu(100, { 10: 5e6, 11: 1e6 }) });
  const after = snapshot({ 10: cpu(103, { 10: 9e6 }) });
  expect(cpuBetween(before, after, 10)).toEqual({ ms: 30, processes: 1, source: "stat" });
});

it("counts a process started during the phase whole, leaves out one that ended, and says when sources mix", () => {
  const before = snapshot({ 10: cpu(100, { 10: 5e6 }), 20: cpu(7) });
  const after = snapshot({ 10: cpu(101, { 10: 6e6 }), 30: cpu(2, { 30: 20e6 }) });
  expect(cpuBetween(before, after, 10)).toEqual({ ms: 21, processes: 2, source: "mixed" });
});

it("adds, in clock ticks, the CPU of the children a process waited for during the phase", () => {
  const before = snapshot({ 10: cpu(100, { 10: 5e6 }, 500), 20: cpu(7, undefined, 3) });
  const after = snapshot({ 10: cpu(101, { 10: 6e6 }, 530), 20: cpu(7, undefined, 3), 30: cpu(2, undefined, 1) });
  expect(cpuBetween(before, after, 10)).toEqual({ ms: 331, processes: 3, source: "mixed" });
});
