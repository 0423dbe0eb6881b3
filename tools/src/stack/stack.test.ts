import type { ChildProcess } from "node:child_process";
import { chmodSync, mkdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { createServer, type AddressInfo, type Server } from "node:net";
import { join } from "node:path";
import { checkHealth, listReflectedServices, type ServiceName } from "@slipway/grpc-kit";
import { afterAll, describe, expect, it } from "vitest";
import { GRPC_APPS, NODE_FLAGS } from "./apps.js";
import { launchStack, localStackEnv, startLocalStack } from "./local-stack.js";
import { pingEngineApi } from "./ping.js";

const SERVICES: Readonly<Record<ServiceName, string>> = {
  "layer-store": "slipway.layerstore.v1.LayerStoreService",
  "image-store": "slipway.imagestore.v1.ImageStoreService",
  "container-config": "slipway.containerconfig.v1.ContainerConfigService",
  orchestrator: "slipway.orchestrator.v1.OrchestratorService",
};

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

const children: ChildProcess[] = [];
// Ctrl-C for any launcher a failed test left running: it stops its apps (a SIGKILL would orphan them).
afterAll(() =>
  Promise.all(children.filter((c) => c.exitCode === null).map((c) => new Promise((resolve) => (c.once("exit", resolve), c.kill("SIGINT"))))),
);

describe("npm start (tools/src/stack)", () => {
  it.each([
    ["in one process", [], ["slipway"]],
    ["with --split, one process per app", ["--split"], [...Object.keys(SERVICES), "engine-api"]],
  ])(
    "brings all five apps up healthy %s, prints the endpoints, and Ctrl-C leaves no process behind",
    async (_mode, args, processes) => {
      const stack = await startLocalStack(undefined, 30_000, args);
      children.push(stack.launcher);
      const { addresses, socketPath: socket } = stack;
      for (const app of GRPC_APPS) {
        expect(await checkHealth(addresses[app])).toBe("SERVING");
        expect(await listReflectedServices(addresses[app])).toEqual(expect.arrayContaining([SERVICES[app], "grpc.health.v1.Health"]));
        expect(stack.output()).toContain(`unix://${addresses[app].slice("unix:".length)}`);
      }
      expect(await pingEngineApi(socket)).toBe(true);
      expect(stack.output()).toContain(`unix://${socket}`);
      // Not a terminal: each app's own JSON lines, naming the app, unrelayed.
      const appLines = stack
        .output()
        .split("\n")
        .filter((line) => line.startsWith("{"))
        .map((line) => JSON.parse(line) as { name: string; msg: string });
      for (const app of [...Object.keys(SERVICES), "engine-api"]) {
        expect(appLines).toContainEqual(expect.objectContaining({ name: app, msg: expect.stringContaining(`${app} listening on`) }));
      }
      expect(Object.keys(stack.pids()).sort()).toEqual([...processes].sort());
      const pids = Object.values(stack.pids());
      expect(pids.every(alive)).toBe(true);
      // Every app process runs with the V8 flags that cannot be set from NODE_OPTIONS.
      for (const pid of pids) expect(readFileSync(`/proc/${pid}/cmdline`, "utf8").split("\0")).toEqual(expect.arrayContaining([...NODE_FLAGS]));
      expect(await stack.stop()).toBe(0);
      expect(stack.output()).toContain(`slipway: stopped all 5 apps (${processes.length === 1 ? "1 process" : "5 processes"})`);
      expect(pids.filter(alive)).toEqual([]);
    },
    60_000,
  );

  it("refuses a port already in use with one line naming it", async () => {
    const { env, addresses, root } = await localStackEnv();
    const blocker: Server = createServer();
    await new Promise<void>((r) => blocker.listen(0, "127.0.0.1", r));
    const { port } = blocker.address() as AddressInfo;
    try {
      const stack = launchStack(root, { ...env, SLIPWAY_IMAGE_STORE_BIND: `127.0.0.1:${port}` }, addresses);
      children.push(stack.launcher);
      expect(await stack.exited).not.toBe(0);
      expect(stack.output().trim()).toBe(
        `slipway: port ${port} on 127.0.0.1 (image-store) is already in use; stop what holds it or set SLIPWAY_IMAGE_STORE_BIND`,
      );
    } finally {
      blocker.close();
    }
  });

  it("refuses TCP without certificates, saying how to make them", async () => {
    const { env, addresses, root } = await localStackEnv();
    const stack = launchStack(root, { ...env, SLIPWAY_ORCHESTRATOR_BIND: "127.0.0.1:0", SLIPWAY_TLS_DIR: "" }, addresses);
    children.push(stack.launcher);
    expect(await stack.exited).toBe(2);
    expect(stack.output().trim()).toBe(
      'slipway: orchestrator is on TCP (127.0.0.1:0), which Slipway speaks only with mutual TLS: make certificates with "npx slipway certs --out DIR" and set SLIPWAY_TLS_DIR=DIR',
    );
  });

  it("refuses to take over a socket that another server answers on, and leaves it alone", async () => {
    const { env, addresses, root } = await localStackEnv();
    const runRoot = env.SLIPWAY_RUN_ROOT!;
    mkdirSync(runRoot, { mode: 0o750 });
    const other: Server = createServer((socket) => socket.end());
    const path = join(runRoot, "layer-store.sock");
    await new Promise<void>((r) => other.listen(path, r));
    try {
      const stack = launchStack(root, env, addresses);
      children.push(stack.launcher);
      expect(await stack.exited).not.toBe(0);
      expect(stack.output()).toContain(`layer-store: ${path} is in use: another server answers on it; layer-store will not replace it`);
      expect(statSync(path).isSocket()).toBe(true);
    } finally {
      other.close();
    }
  });

  it("refuses a run root that others share (such as /run) instead of closing it", async () => {
    const { env, addresses, root } = await localStackEnv();
    const shared = join(root, "shared-run");
    mkdirSync(shared, { mode: 0o755 });
    chmodSync(shared, 0o755);
    writeFileSync(join(shared, "utmp"), "");
    const stack = launchStack(root, { ...env, SLIPWAY_RUN_ROOT: shared }, addresses);
    children.push(stack.launcher);
    expect(await stack.exited).toBe(2);
    expect(stack.output().trim()).toBe(
      `slipway: run root ${shared} is open to other users (mode 0755) and holds files that are not Slipway's (utmp); give Slipway a directory of its own with SLIPWAY_RUN_ROOT, e.g. /run/slipway`,
    );
    expect(statSync(shared).mode & 0o777).toBe(0o755);
  });

  it("refuses an unknown option with one line naming it and the one it takes", async () => {
    const { env, root, addresses } = await localStackEnv();
    const stack = launchStack(root, env, addresses, ["--bogus"]);
    children.push(stack.launcher);
    expect(await stack.exited).toBe(2);
    expect(stack.output().trim()).toBe("slipway: Unknown option '--bogus'; npm start takes one option: --split (one process per app)");
  });

  it("refuses an unwritable data root with one line naming it", async () => {
    const { env, root, addresses } = await localStackEnv();
    const aFile = join(root, "a-file");
    writeFileSync(aFile, "");
    const unwritable = join(aFile, "data"); // unwritable even for root: its parent is a file
    const stack = launchStack(root, { ...env, SLIPWAY_DATA_ROOT: unwritable }, addresses);
    children.push(stack.launcher);
    expect(await stack.exited).toBe(2);
    expect(stack.output().trim()).toMatch(new RegExp(`^slipway: data root ${unwritable} is not writable \\(E[A-Z]+\\); set a writable directory$`));
  });
});
