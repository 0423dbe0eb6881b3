import { mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Readable } from "node:stream";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { EngineClient } from "../src/bench/engine-client.js";
import { checkDataRoot } from "../src/fsck/checks.js";
import { readDataRoot } from "../src/fsck/data-root.js";
import { sampleImage } from "../src/sample-image/sample-image.js";
import { launchStack, localStackEnv, untilUp, type LocalStack } from "../src/stack/local-stack.js";
import { FaultProxy, type FaultMode } from "./support/fault-proxy.js";

// The split layout with a fault proxy between the apps and each store (the orchestrator's and image-store's
// calls to a store go through it): under a 6-client create load, each fault in turn. Every create must
// either succeed and be whole on disk, or fail saying which service failed; once the fault clears and the
// reconciler has passed (its grace shortened here), nothing is left over.

const STORES = ["layer-store", "image-store", "container-config"] as const;
type Store = (typeof STORES)[number];
const FAULTS: readonly (FaultMode | { kind: "reset" })[] = [
  { kind: "reset" },
  { kind: "drop" },
  { kind: "delay", delayMs: 150 },
  { kind: "blackhole" },
];
const CLIENTS = 6;

let root: string;
let stack: LocalStack;
let engine: EngineClient;
const proxies = new Map<Store, FaultProxy>();
const sent = new Set<string>();
let serial = 0;

beforeAll(async () => {
  root = mkdtempSync(join(tmpdir(), "slipway-faults-"));
  const { env, addresses } = await localStackEnv(root);
  const runRoot = env.SLIPWAY_RUN_ROOT!;
  mkdirSync(runRoot, { recursive: true });
  for (const store of STORES) {
    const variable = store.toUpperCase().replace(/-/g, "_");
    const real = join(runRoot, `${store}-real.sock`);
    env[`SLIPWAY_${variable}_BIND`] = `unix:${real}`;
    env[`SLIPWAY_${variable}_ADDR`] = `unix:${join(runRoot, `${store}.sock`)}`;
    proxies.set(store, await FaultProxy.start(join(runRoot, `${store}.sock`), real));
  }
  Object.assign(env, { SLIPWAY_RECONCILE_GRACE_SECONDS: "2", SLIPWAY_RECONCILE_INTERVAL_SECONDS: "1" });
  stack = await untilUp(launchStack(root, env, addresses, ["--split"]), 90_000);
  engine = new EngineClient(stack.socketPath, CLIENTS);
  const loaded = await engine.call("POST", "/images/load?quiet=1", Readable.from([sampleImage().archive]), "application/x-tar");
  expect(loaded.status).toBe(200);
}, 120_000);

afterAll(async () => {
  engine?.close();
  await stack?.stop();
  for (const proxy of proxies.values()) await proxy.stop();
  rmSync(root, { recursive: true, force: true });
}, 60_000);

interface Outcome {
  readonly name: string;
  readonly status: number;
  readonly message: string;
}

/** Creates from CLIENTS clients, each one after the other, until `stop` resolves. */
async function createLoad(stop: Promise<void>): Promise<Outcome[]> {
  let stopping = false;
  void stop.then(() => (stopping = true));
  const outcomes: Outcome[] = [];
  await Promise.all(
    Array.from({ length: CLIENTS }, async () => {
      while (!stopping) {
        const name = `fault-${++serial}`;
        sent.add(name);
        const reply = await engine.call("POST", `/containers/create?name=${name}`, JSON.stringify({ Image: "slipway-sample:1" }));
        const message = reply.status === 201 ? "" : ((JSON.parse(reply.body) as { message?: string }).message ?? reply.body);
        outcomes.push({ name, status: reply.status, message });
      }
    }),
  );
  return outcomes;
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** fsck's problems once the reconciler has had its passes: polled, as it runs every second. */
async function problemsAfterReconcile(): Promise<string[]> {
  let problems: string[] = [];
  for (const deadline = Date.now() + 20_000; Date.now() < deadline; await sleep(500)) {
    problems = checkDataRoot(readDataRoot(stack.dataRoot)).problems.map((p) => `${p.check}: ${p.subject}: ${p.detail}`);
    if (problems.length === 0) break;
  }
  return problems;
}

describe("faults between the apps and each store, split layout", () => {
  for (const store of STORES) {
    for (const fault of FAULTS) {
      it(`${store}: ${fault.kind}`, async () => {
        const proxy = proxies.get(store)!;
        const load = createLoad(sleep(2_500));
        await sleep(500);
        proxy.set(fault);
        await sleep(1_000);
        proxy.set({ kind: "pass" });
        const outcomes = await load;
        const failed = outcomes.filter((o) => o.status !== 201);
        for (const { message } of failed) expect(message).toMatch(new RegExp(`^${store} (is unavailable at|at \\S+ did not answer in time)`));
        if (fault.kind === "drop") expect(failed.length, "creates fail while the store is unreachable").toBeGreaterThan(0);
        expect(outcomes.length - failed.length, "creates succeed before and after the fault").toBeGreaterThan(0);
        expect(await problemsAfterReconcile()).toEqual([]);
        const listed = (JSON.parse((await engine.call("GET", "/containers/json?all=1")).body) as { Names: string[] }[]).map((c) =>
          c.Names[0]!.slice(1),
        );
        for (const { name } of outcomes.filter((o) => o.status === 201)) expect(listed).toContain(name);
        for (const name of listed) expect(sent.has(name), `${name} was never asked for`).toBe(true);
      }, 60_000);
    }
  }
});
