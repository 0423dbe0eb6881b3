import { execFileSync } from "node:child_process";
import { existsSync, readFileSync } from "node:fs";
import { EngineClient } from "./engine-client.js";
import { processTree } from "./process-memory.js";
import type { LocalStack } from "../stack/local-stack.js";
import { LAYOUT_LABELS, type EngineKey, type Layout } from "./layouts.js";

/** One engine under test, reached through the same Engine API client. */
export interface Engine {
  readonly key: EngineKey;
  /** For log lines: "Slipway (split)", "dockerd". */
  readonly label: string;
  readonly client: EngineClient;
  readonly dataRoot: string;
  /** The processes whose memory a load or a pull is charged to: all of the engine's. */
  memoryProcesses(): number[];
  /** The processes whose CPU a phase is charged to. */
  cpuProcesses(): number[];
}

export const DOCKER_SOCKET = "/var/run/docker.sock";
const DOCKER_PIDFILE = "/var/run/docker.pid";

/** Which processes an engine's CPU figures count, for the report. */
export const CPU_SCOPE = {
  slipway: "the npm start launcher and every app process it started",
  dockerd:
    "the dockerd process and the children it waited for, which extract the layers of a load or a pull (containerd takes no part in a create, a load or a pull)",
};

export async function dockerAvailable(): Promise<boolean> {
  if (!existsSync(DOCKER_SOCKET)) return false;
  const client = new EngineClient(DOCKER_SOCKET);
  try {
    return (await client.call("GET", "/_ping")).status === 200;
  } catch {
    return false;
  } finally {
    client.close();
  }
}

/** The host dockerd's pid: from its pidfile, as other dockerds (a test's second one) may run beside it. */
function hostDockerdPid(): number {
  if (existsSync(DOCKER_PIDFILE)) return Number(readFileSync(DOCKER_PIDFILE, "utf8").trim());
  const pids = execFileSync("pidof", ["dockerd"], { encoding: "utf8" }).trim().split(/\s+/);
  if (pids.length !== 1) throw new Error(`no ${DOCKER_PIDFILE} and ${pids.length} dockerd processes: cannot tell which serves ${DOCKER_SOCKET}`);
  return Number(pids[0]);
}

/** A dockerd on `socketPath` with process `pid`. */
export function dockerdEngine(socketPath: string, pid: number, dataRoot: string): Engine {
  return {
    key: "dockerd",
    label: "dockerd",
    client: new EngineClient(socketPath),
    dataRoot,
    memoryProcesses: () => processTree(pid),
    cpuProcesses: () => [pid],
  };
}

export function hostDockerdEngine(): Engine {
  const info = JSON.parse(execFileSync("docker", ["info", "--format", "{{json .}}"], { encoding: "utf8" })) as { DockerRootDir: string };
  return dockerdEngine(DOCKER_SOCKET, hostDockerdPid(), info.DockerRootDir);
}

export function slipwayEngine(stack: LocalStack, layout: Layout): Engine {
  return {
    key: layout,
    label: `Slipway (${LAYOUT_LABELS[layout]})`,
    client: new EngineClient(stack.socketPath),
    dataRoot: stack.dataRoot,
    memoryProcesses: () => Object.values(stack.pids()),
    cpuProcesses: () => (stack.launcher.pid === undefined ? [] : processTree(stack.launcher.pid)),
  };
}
