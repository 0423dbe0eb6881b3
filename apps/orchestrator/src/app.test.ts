import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { checkHealth } from "@slipway/grpc-kit";
import { afterAll, beforeAll, expect, it } from "vitest";
import { startOrchestrator, type RunningOrchestrator } from "../test/orchestrator-harness.js";

let running: RunningOrchestrator;
let dir: string;
let down: string;
beforeAll(async () => {
  // A socket path nothing listens on: a store that is down.
  dir = mkdtempSync(join(tmpdir(), "slipway-"));
  down = `unix:${join(dir, "down.sock")}`;
  running = await startOrchestrator({ "layer-store": down, "image-store": down, "container-config": down });
});
afterAll(async () => {
  await running.stop();
  rmSync(dir, { recursive: true, force: true });
});

it("starts even when every store is down, and its first reconciler pass records why it failed", async () => {
  const report = await running.client.getReconcilerStatus({});
  expect(report.runs).toBe(1);
  expect(report.lastError).toContain(`layer-store is unavailable at ${down}`);
});

it("answers UNAVAILABLE naming the store that is down", async () => {
  const body = Buffer.from(JSON.stringify({ Image: "golden:1" }));
  await expect(running.client.createContainer({ name: "x", createRequestJson: body, apiVersion: "1.41" })).rejects.toMatchObject({
    kind: "unavailable",
    message: expect.stringContaining(`image-store is unavailable at ${down}`),
  });
});

it("serves health on its own service name", async () => {
  expect(await checkHealth(running.address, "slipway.orchestrator.v1.OrchestratorService")).toBe("SERVING");
});
