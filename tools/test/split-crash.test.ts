import { spawn, type ChildProcess } from "node:child_process";
import { openSync, closeSync, rmSync } from "node:fs";
import { join, resolve } from "node:path";
import { Readable } from "node:stream";
import { fileURLToPath } from "node:url";
import { checkHealth, type ServiceName } from "@slipway/grpc-kit";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { EngineClient } from "../src/bench/engine-client.js";
import { checkDataRoot } from "../src/fsck/checks.js";
import { readDataRoot } from "../src/fsck/data-root.js";
import { sampleImage } from "../src/sample-image/sample-image.js";
import { GRPC_APPS, mainOf } from "../src/stack/apps.js";
import { localStackEnv } from "../src/stack/local-stack.js";
import { pingEngineApi } from "../src/stack/ping.js";

// The split layout as containers run it (each app its own process, restarted on its own when it dies, as a
// restart policy does): kill -9 of one app at a random moment under a 6-client create load, ROUNDS times per
// app. Nothing acknowledged is lost, the apps not killed keep serving, and once the recovery has run nothing
// is left over (fsck clean), with default settings.

const ROUNDS = Number(process.env.SLIPWAY_CRASH_ROUNDS ?? 20);
const CLIENTS = 6;
const APPS = [...GRPC_APPS, "engine-api"] as const;
type App = (typeof APPS)[number];
const REPO_ROOT = resolve(fileURLToPath(import.meta.url), "../../..");

let root: string;
let env: NodeJS.ProcessEnv;
let socketPath: string;
let addresses: Record<ServiceName, string>;
const running = new Map<App, ChildProcess>();
const acknowledged: string[] = [];
let serial = 0;

function startApp(app: App): void {
  const log = openSync(join(root, `${app}.log`), "a");
  running.set(app, spawn(process.execPath, [mainOf(REPO_ROOT, app)], { env, stdio: ["ignore", log, log] }));
  closeSync(log);
}

async function untilServing(app: App): Promise<void> {
  const serving = () =>
    app === "engine-api"
      ? pingEngineApi(socketPath)
      : checkHealth(addresses[app], "", 1_000).then(
          (s) => s === "SERVING",
          () => false,
        );
  for (const deadline = Date.now() + 60_000; !(await serving()); await sleep(100)) {
    if (Date.now() > deadline) throw new Error(`${app} did not come back within a minute`);
  }
}

async function killAndRestart(app: App): Promise<void> {
  const child = running.get(app)!;
  const exited = new Promise((resolve) => child.once("exit", resolve));
  child.kill("SIGKILL");
  await exited;
  startApp(app);
  await untilServing(app);
}

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

beforeAll(async () => {
  ({ root, env, addresses } = await localStackEnv());
  socketPath = join(env.SLIPWAY_RUN_ROOT!, "docker.sock");
  for (const app of ["layer-store", "image-store", "container-config"] as const) startApp(app);
  for (const app of ["layer-store", "image-store", "container-config"] as const) await untilServing(app);
  for (const app of ["orchestrator", "engine-api"] as const) startApp(app);
  for (const app of ["orchestrator", "engine-api"] as const) await untilServing(app);
  const engine = new EngineClient(socketPath);
  const loaded = await engine.call("POST", "/images/load?quiet=1", Readable.from([sampleImage().archive]), "application/x-tar");
  engine.close();
  expect(loaded.status).toBe(200);
}, 120_000);

afterAll(async () => {
  await Promise.all(
    [...running.values()].map(
      (child) => new Promise((resolve) => (child.exitCode !== null ? resolve(null) : (child.once("exit", resolve), child.kill("SIGTERM")))),
    ),
  );
  rmSync(root, { recursive: true, force: true });
}, 60_000);

/** The containers' list, asked until it answers (an app just restarted may still be loading). */
async function listAll(): Promise<{ Names: string[] }[]> {
  const engine = new EngineClient(socketPath);
  try {
    for (let attempt = 0; ; attempt++) {
      const reply = await engine.call("GET", "/containers/json?all=1");
      if (reply.status === 200 || attempt === 50) return JSON.parse(reply.body) as { Names: string[] }[];
      await sleep(200);
    }
  } finally {
    engine.close();
  }
}

/** Creates from CLIENTS clients until `stop` resolves; a create cut by the kill is neither counted nor lost. */
async function createLoad(engine: EngineClient, stop: Promise<void>): Promise<void> {
  let stopping = false;
  void stop.then(() => (stopping = true));
  await Promise.all(
    Array.from({ length: CLIENTS }, async () => {
      while (!stopping) {
        const name = `split-crash-${++serial}`;
        const reply = await engine
          .call("POST", `/containers/create?name=${name}`, JSON.stringify({ Image: "slipway-sample:1" }))
          .catch(() => undefined);
        if (reply?.status === 201) acknowledged.push(name);
        else await sleep(20);
      }
    }),
  );
}

describe("kill -9 of one app at a time in the split layout, under create load", () => {
  for (const app of APPS) {
    it(`${app}: ${ROUNDS} rounds; nothing acknowledged is lost, and the apps not killed keep serving`, async () => {
      for (let round = 0; round < ROUNDS; round++) {
        const engine = new EngineClient(socketPath, CLIENTS);
        let done!: () => void;
        const load = createLoad(engine, new Promise<void>((resolve) => (done = resolve)));
        await sleep(100 + Math.random() * 400);
        const restarted = killAndRestart(app);
        // What does not need the killed app still answers meanwhile (a list needs engine-api, the orchestrator and container-config).
        if (app === "layer-store" || app === "image-store") expect((await engine.call("GET", "/containers/json?all=1")).status).toBe(200);
        await restarted;
        await sleep(200);
        done();
        await load;
        engine.close();
      }
      const listed = (await listAll()).map((c) => c.Names[0]!.slice(1));
      for (const name of acknowledged) expect(listed, `${name} was acknowledged`).toContain(name);
    }, 600_000);
  }

  it("leaves nothing over once the recovery has run (fsck clean within a minute)", async () => {
    let problems: string[] = [];
    for (const deadline = Date.now() + 60_000; Date.now() < deadline; await sleep(1_000)) {
      problems = checkDataRoot(readDataRoot(env.SLIPWAY_DATA_ROOT!)).problems.map((p) => `${p.check}: ${p.subject}: ${p.detail}`);
      if (problems.length === 0) break;
    }
    expect(problems).toEqual([]);
  }, 90_000);
});
