import { execFileSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, expect, it } from "vitest";
import { startSecondDockerd } from "../src/index.js";
import { docker } from "./docker-cli.js";

const dir = mkdtempSync(join(tmpdir(), "slipway-second-dockerd-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

it("a second stock dockerd starts on an empty data root with its own bridge, answers, and stops cleanly", async () => {
  const dataRoot = join(dir, "data");
  const daemon = await startSecondDockerd({ dataRoot });
  try {
    expect(await docker(daemon.dockerHost, ["ps", "-a", "--format", "{{.ID}}"])).toBe("");
    expect(await docker(daemon.dockerHost, ["info", "--format", "{{.DockerRootDir}} {{.Driver}}"])).toBe(`${dataRoot} overlay2`);
    expect(existsSync(join(dataRoot, "overlay2"))).toBe(true);
    expect(execFileSync("ip", ["-o", "link", "show", daemon.bridge]).toString()).toContain(daemon.bridge);
  } finally {
    await daemon.stop();
  }
  expect(existsSync(daemon.socketPath)).toBe(false);
  expect(() => execFileSync("ip", ["link", "show", daemon.bridge], { stdio: "ignore" })).toThrow();
  expect(readFileSync("/proc/self/mountinfo", "utf8")).not.toContain(dataRoot);
  // The host engine's bridge survives (a second dockerd with --bridge=none would have deleted it).
  expect(execFileSync("ip", ["-o", "link", "show", "docker0"]).toString()).toContain("docker0");
});
