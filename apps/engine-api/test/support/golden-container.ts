import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { expect } from "vitest";
import { docker, requireDockerCli } from "./docker-cli.js";
import { goldenArchive } from "./golden.js";
import { startStack, type Stack } from "./stack.js";

export const REAL_DOCKERD = "/var/run/docker.sock";

/** A Slipway stack holding golden:1, and a container of golden:1 named the same on it and on the host's dockerd. */
export interface GoldenContainerOnBoth {
  readonly stack: Stack;
  /** A temp dir for the test's own files (golden.tar is in it). */
  readonly tmp: string;
  /** The host dockerd's socket, then Slipway's. */
  readonly engines: readonly [string, string];
  /** Removes the container from the host dockerd, stops the stack, removes the temp dirs. */
  stop(): Promise<void>;
}

export async function goldenContainerOnBoth(name: string): Promise<GoldenContainerOnBoth> {
  requireDockerCli();
  const tmp = mkdtempSync(join(tmpdir(), "engine-api-golden-container-"));
  const stack = await startStack();
  expect(await docker(stack.socketPath, ["load", "-i", goldenArchive(tmp)])).toMatchObject({ code: 0 });
  const engines = [REAL_DOCKERD, stack.socketPath] as const;
  for (const socket of engines) expect(await docker(socket, ["create", "--name", name, "golden:1"])).toMatchObject({ code: 0 });
  return {
    stack,
    tmp,
    engines,
    stop: async () => {
      await docker(REAL_DOCKERD, ["rm", "-v", name]);
      await stack.stop();
      rmSync(stack.root, { recursive: true, force: true });
      rmSync(tmp, { recursive: true, force: true });
    },
  };
}
