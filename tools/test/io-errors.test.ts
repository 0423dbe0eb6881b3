import { execFileSync } from "node:child_process";
import { rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { Readable } from "node:stream";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { EngineClient } from "../src/bench/engine-client.js";
import { checkDataRoot } from "../src/fsck/checks.js";
import { readDataRoot } from "../src/fsck/data-root.js";
import { sampleImage } from "../src/sample-image/sample-image.js";
import { launchStack, localStackEnv, untilUp, type LocalStack } from "../src/stack/local-stack.js";
import { expectDiskError, seededEngine } from "./support/disk-error.js";

// A disk that fails with EIO (support/eio-preload.c, preloaded into the stack): every write and flush of a
// file in the data root, or only the flushes (fsync, fdatasync, syncfs: the writes reach the page cache and
// the disk refuses them), while a switch file exists. Slipway must answer in the system's words
// ("input/output error", as dockerd words EIO), acknowledge nothing it could not flush, keep serving reads
// without restarting, leave nothing half-written, and work once the disk does.

const PRELOAD_SOURCE = fileURLToPath(new URL("support/eio-preload.c", import.meta.url));

let stack: LocalStack;
let engine: EngineClient;
let switches: { all: string; flushes: string };

const create = (name: string) => engine.call("POST", `/containers/create?name=${name}`, JSON.stringify({ Image: "slipway-sample:1" }));
const load = (archive: Buffer) => engine.call("POST", "/images/load?quiet=1", Readable.from([archive]), "application/x-tar");
const problems = () => checkDataRoot(readDataRoot(stack.dataRoot)).problems.map((p) => `${p.check}: ${p.subject}: ${p.detail}`);
const listedNames = async () =>
  (JSON.parse((await engine.call("GET", "/containers/json?all=1")).body) as { Names: string[] }[]).map((c) => c.Names[0]);

/** The refusal as dockerd words EIO. */
const expectIoError = (reply: { status: number; body: string }) => expectDiskError(reply, "input/output error", stack.dataRoot);

beforeAll(async () => {
  const { root, env, addresses } = await localStackEnv();
  const preload = join(root, "eio-preload.so");
  execFileSync("cc", ["-shared", "-fPIC", "-O2", "-o", preload, PRELOAD_SOURCE, "-ldl"]);
  switches = { all: join(root, "disk-fails"), flushes: join(root, "flushes-fail") };
  Object.assign(env, {
    LD_PRELOAD: preload,
    EIO_PRELOAD_DIR: env.SLIPWAY_DATA_ROOT,
    EIO_PRELOAD_SWITCH: switches.all,
    EIO_PRELOAD_FLUSH_SWITCH: switches.flushes,
  });
  stack = await untilUp(launchStack(root, env, addresses), 60_000);
  engine = await seededEngine(stack.socketPath);
}, 90_000);

afterAll(async () => {
  engine?.close();
  await stack?.stop();
  if (stack) rmSync(stack.root, { recursive: true, force: true });
}, 30_000);

for (const failing of ["all", "flushes"] as const) {
  describe(`a data root whose disk answers EIO to ${failing === "all" ? "every write and flush" : "flushes only"}`, () => {
    let pids: Record<string, number>;

    it("refuses creates and loads with 'input/output error', keeps serving reads, and acknowledges nothing", async () => {
      pids = stack.pids();
      writeFileSync(switches[failing], "");
      for (let i = 0; i < 3; i++) expectIoError(await create(`failing-${failing}-${i}`));
      expectIoError(await load(sampleImage("slipway-other:1").archive));
      expect((await engine.call("GET", "/containers/before/json")).status).toBe(200);
      expect(await listedNames()).toEqual(["/before"]);
      expect((await engine.call("GET", "/images/slipway-other:1/json")).status).toBe(404);
      expectIoError(await engine.call("POST", "/images/slipway-sample:1/tag?repo=tagged&tag=1"));
      expect((await engine.call("GET", "/images/tagged:1/json")).status).toBe(404);
      expect(stack.pids(), "no app restarted").toEqual(pids);
    });

    it("leaves nothing half-written, and works again once the disk does", async () => {
      rmSync(switches[failing]);
      expect(problems()).toEqual([]);
      expect((await create(`after-${failing}`)).status).toBe(201);
      expect((await load(sampleImage("slipway-other:1").archive)).status).toBe(200);
      expect((await listedNames()).sort()).toEqual([`/after-${failing}`, "/before"]);
      expect((await engine.call("DELETE", `/containers/after-${failing}?v=1`)).status).toBe(204);
      expect((await engine.call("DELETE", "/images/slipway-other:1")).status).toBe(200);
      expect(stack.pids(), "no app restarted").toEqual(pids);
    });
  });
}
