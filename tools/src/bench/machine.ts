import { execFileSync } from "node:child_process";
import { cpus, loadavg, release, totalmem } from "node:os";
import { flushProbe } from "./flush-probe.js";

/** What a benchmark ran on, for the record next to its figures. */
export interface Machine {
  readonly cpus: string;
  readonly memory: string;
  readonly disk: string;
  readonly kernel: string;
  readonly node: string;
  readonly dockerd: string;
  /** How long the disk of the data roots takes to flush a small write (flushProbe). */
  readonly flushes: string;
  /** Whether timed phases wait after the bench's deletions (DeletionWindow). */
  readonly deletions: string;
  /** 1-minute load average when the run started and when it ended (the machine is shared). */
  loadAverage: string;
}

function run(command: string, args: string[]): string | undefined {
  try {
    return execFileSync(command, args, { encoding: "utf8", stdio: ["ignore", "pipe", "ignore"] }).trim();
  } catch {
    return undefined;
  }
}

/** The device, file system and size under `path`, as findmnt and df see it. */
function diskOf(path: string): string {
  const mount = run("findmnt", ["-no", "SOURCE,FSTYPE,OPTIONS", "-T", path])?.split(/\s+/);
  const size = run("df", ["-h", "--output=size", path])?.split("\n")[1]?.trim();
  if (!mount) return "unknown";
  return `${mount[1]} on ${mount[0]}${size ? ` (${size})` : ""}, ${mount[2] ?? ""}`;
}

export async function describeMachine(dataPath: string, withDocker: boolean, deletions: string): Promise<Machine> {
  const cores = cpus();
  return {
    cpus: `${cores.length} × ${cores[0]?.model.trim() ?? "unknown CPU"}`,
    memory: `${(totalmem() / 2 ** 30).toFixed(1)} GiB`,
    disk: diskOf(dataPath),
    kernel: release(),
    node: process.version,
    dockerd: withDocker ? (run("docker", ["version", "--format", "{{.Server.Version}}"]) ?? "unknown") : "not measured",
    flushes: await flushProbe(dataPath),
    deletions,
    loadAverage: loadavg()[0]!.toFixed(2),
  };
}

/** Appends the load average at the end of the run to the one recorded at its start. */
export function recordEndLoad(machine: Machine): void {
  machine.loadAverage = `${machine.loadAverage} at start, ${loadavg()[0]!.toFixed(2)} at end`;
}
