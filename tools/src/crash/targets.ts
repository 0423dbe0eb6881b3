import { readdirSync, readFileSync } from "node:fs";
import { startSecondDockerd, type SecondDockerd } from "@slipway/throwaway-dockerd";
import { launchStack, startLocalStack, untilUp, type LocalStack } from "../stack/local-stack.js";

/** An engine the crash measurement kills with SIGKILL and starts again on the same data root. */
export interface CrashTarget {
  readonly socketPath: string;
  readonly dataRoot: string;
  /** SIGKILL to every process of the engine; resolves once they are all gone. */
  kill(): Promise<void>;
  /** The engine started again on the same data root, once it answers. */
  restart(): Promise<CrashTarget>;
  /** A clean stop (after the last round). */
  stop(): Promise<void>;
}

function sigkill(pid: number): void {
  try {
    process.kill(pid, "SIGKILL");
  } catch {
    // already gone
  }
}

/** `npm start`'s stack (one process, or one per app with --split) under `root`. */
export async function slipwayTarget(root: string, args: readonly string[]): Promise<CrashTarget> {
  return fromStack(await startLocalStack(root, 60_000, args));
}

function fromStack(stack: LocalStack): CrashTarget {
  return {
    socketPath: stack.socketPath,
    dataRoot: stack.dataRoot,
    kill: async () => {
      for (const pid of [stack.launcher.pid!, ...Object.values(stack.pids())]) sigkill(pid);
      await stack.exited;
    },
    restart: async () => fromStack(await untilUp(launchStack(stack.root, stack.env, stack.addresses, stack.args), 60_000)),
    stop: async () => void (await stack.stop()),
  };
}

/** A throwaway stock dockerd (never the host's) on `dataRoot`. */
export async function dockerdTarget(dataRoot: string): Promise<CrashTarget> {
  return fromDockerd(await startSecondDockerd({ dataRoot }));
}

function fromDockerd(daemon: SecondDockerd): CrashTarget {
  return {
    socketPath: daemon.socketPath,
    dataRoot: daemon.dataRoot,
    kill: async () => {
      // dockerd and the containerd it manages, as a crash of the host takes both.
      const pids = [daemon.pid, ...childrenOf(daemon.pid)];
      pids.forEach(sigkill);
      while (pids.some(isRunning)) await new Promise((resolve) => setTimeout(resolve, 50));
      await daemon.stop(); // unmounts what it left and drops its bridge and exec root; the data root stays
    },
    restart: async () => fromDockerd(await startSecondDockerd({ dataRoot: daemon.dataRoot })),
    stop: () => daemon.stop(),
  };
}

/** Direct children of `pid` (from /proc/<child>/stat's ppid field). */
function childrenOf(pid: number): number[] {
  return readdirSync("/proc")
    .filter((entry) => /^\d+$/.test(entry))
    .filter((entry) => {
      try {
        // pid (comm) state ppid ...: comm may hold spaces, so read after its closing parenthesis.
        const stat = readFileSync(`/proc/${entry}/stat`, "utf8");
        return Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1]) === pid;
      } catch {
        return false; // exited while we looked
      }
    })
    .map(Number);
}

/** Alive and not a zombie waiting to be reaped. */
function isRunning(pid: number): boolean {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    return stat.slice(stat.lastIndexOf(")") + 2)[0] !== "Z";
  } catch {
    return false;
  }
}
