import { rmSync } from "node:fs";
import { Readable } from "node:stream";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { EngineClient } from "../src/bench/engine-client.js";
import { createUntilCut, listedNames } from "../src/crash/create-load.js";
import { checkDataRoot } from "../src/fsck/checks.js";
import { readDataRoot } from "../src/fsck/data-root.js";
import { sampleImage } from "../src/sample-image/sample-image.js";
import { launchStack, startLocalStack, untilUp, type LocalStack } from "../src/stack/local-stack.js";

// kill -9 of the whole one-process stack (npm start, default settings) in the middle of a 6-client create
// load, then a restart on the same data root: every acknowledged create is there, and what the creates cut
// by the kill left behind is gone within a minute (the orchestrator's lease lapsed with it, so its leftovers
// go without the reconciler's 600 s grace period).

const CLIENTS = 6;
const ROUNDS = 3;
const CLEAN_WITHIN_MS = 60_000;

let stack: LocalStack;
const acknowledged: string[] = [];
/** Rounds whose kill left something for the recovery to clean (the test means nothing if none did). */
let roundsWithLeftovers = 0;

beforeAll(async () => {
  stack = await startLocalStack();
  const engine = new EngineClient(stack.socketPath);
  const loaded = await engine.call("POST", "/images/load?quiet=1", Readable.from([sampleImage().archive]), "application/x-tar");
  engine.close();
  expect(loaded.status).toBe(200);
}, 90_000);

afterAll(async () => {
  await stack?.stop();
  if (stack) rmSync(stack.root, { recursive: true, force: true });
}, 60_000);

function killAll(target: LocalStack): void {
  for (const pid of [target.launcher.pid!, ...Object.values(target.pids())]) {
    try {
      process.kill(pid, "SIGKILL");
    } catch {
      // already gone
    }
  }
}

const problems = () => checkDataRoot(readDataRoot(stack.dataRoot)).problems.map((p) => `${p.check}: ${p.subject}: ${p.detail}`);

describe("kill -9 of the whole stack under create load, default settings", () => {
  for (let round = 1; round <= ROUNDS; round++) {
    it(`round ${round}: nothing acknowledged is lost, and fsck is clean within a minute of the restart`, async () => {
      const engine = new EngineClient(stack.socketPath, CLIENTS);
      const load = createUntilCut(engine, "slipway-sample:1", CLIENTS, `crash-${round}-`, acknowledged);
      await new Promise((resolve) => setTimeout(resolve, 1_000 + Math.random() * 1_500));
      killAll(stack);
      await Promise.all([load, stack.exited]);
      engine.close();
      stack = await untilUp(launchStack(stack.root, stack.env, stack.addresses, stack.args), 60_000);
      const restarted = Date.now();

      const after = new EngineClient(stack.socketPath);
      const listed = await listedNames(after);
      after.close();
      for (const name of acknowledged) expect(listed.has(name), `${name} was acknowledged`).toBe(true);

      let left = problems();
      if (left.length > 0) roundsWithLeftovers++;
      while (left.length > 0 && Date.now() - restarted < CLEAN_WITHIN_MS) {
        await new Promise((resolve) => setTimeout(resolve, 1_000));
        left = problems();
      }
      expect(left).toEqual([]);
    }, 150_000);
  }

  it("left something to clean in at least one round (creates were cut half way)", () => {
    expect(roundsWithLeftovers).toBeGreaterThan(0);
  });
});
