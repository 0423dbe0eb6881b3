import { execFileSync } from "node:child_process";
import { existsSync } from "node:fs";
import { EngineClient } from "./engine-client.js";
import { processTree } from "./process-memory.js";
import type { LocalStack } from "../stack/local-stack.js";

/** One engine under test, reached through the same Engine API client. */
export interface Target {
  readonly name: "slipway" | "dockerd";
  readonly client: EngineClient;
  readonly dataRoot: string;
  /** The processes whose memory a load is charged to: all of the engine's. */
  loadProcesses(): number[];
}

export const DOCKER_SOCKET = "/var/run/docker.sock";

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

export function dockerdTarget(): Target {
  const pid = Number(execFileSync("pidof", ["dockerd"], { encoding: "utf8" }).trim().split(/\s+/)[0]);
  const info = JSON.parse(execFileSync("docker", ["info", "--format", "{{json .}}"], { encoding: "utf8" })) as {
    DockerRootDir: string;
  };
  return { name: "dockerd", client: new EngineClient(DOCKER_SOCKET), dataRoot: info.DockerRootDir, loadProcesses: () => processTree(pid) };
}

export function slipwayTarget(stack: LocalStack): Target {
  return {
    name: "slipway",
    client: new EngineClient(stack.socketPath),
    dataRoot: stack.dataRoot,
    loadProcesses: () => Object.values(stack.pids()),
  };
}
