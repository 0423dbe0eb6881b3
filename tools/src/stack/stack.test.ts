import { spawn, type ChildProcess } from "node:child_process";
import { mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { createServer, type Server } from "node:net";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { credentials, loadPackageDefinition } from "@grpc/grpc-js";
import { loadSync } from "@grpc/proto-loader";
import { createRequire } from "node:module";
import { checkHealth } from "@slipway/grpc-kit";
import { afterAll, describe, expect, it } from "vitest";
import { pingEngineApi } from "./ping.js";

const LAUNCHER = resolve(fileURLToPath(import.meta.url), "../../../dist/stack/main.js");
const SERVICES = {
  "layer-store": "slipway.layerstore.v1.LayerStoreService",
  "image-store": "slipway.imagestore.v1.ImageStoreService",
  "container-config": "slipway.containerconfig.v1.ContainerConfigService",
  orchestrator: "slipway.orchestrator.v1.OrchestratorService",
} as const;

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  const { port } = server.address() as { port: number };
  await new Promise((r) => server.close(r));
  return port;
}

async function stackEnv() {
  const root = mkdtempSync(join(tmpdir(), "slipway-stack-"));
  const env: NodeJS.ProcessEnv = { ...process.env, SLIPWAY_DATA_ROOT: join(root, "data"), SLIPWAY_RUN_ROOT: join(root, "run") };
  const addresses: Record<string, string> = {};
  for (const app of Object.keys(SERVICES)) {
    const key = app.toUpperCase().replace(/-/g, "_");
    addresses[app] = `127.0.0.1:${await freePort()}`;
    env[`SLIPWAY_${key}_BIND`] = addresses[app];
    env[`SLIPWAY_${key}_ADDR`] = addresses[app];
  }
  return { root, env, addresses, socket: join(root, "run", "docker.sock") };
}

function launch(env: NodeJS.ProcessEnv) {
  const child = spawn(process.execPath, [LAUNCHER], { env, stdio: ["ignore", "pipe", "pipe"] });
  let output = "";
  child.stdout!.on("data", (c) => (output += c));
  child.stderr!.on("data", (c) => (output += c));
  const exited = new Promise<number | null>((r) => child.once("exit", (code) => r(code)));
  return { child, exited, output: () => output };
}

async function waitFor(condition: () => boolean | Promise<boolean>, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error(`condition not met within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

async function reflectedServices(address: string): Promise<string[]> {
  const require = createRequire(import.meta.url);
  const file = require.resolve("@grpc/reflection/build/proto/grpc/reflection/v1/reflection.proto");
  const pkg = loadPackageDefinition(loadSync(file, { keepCase: true })) as any;
  const client = new pkg.grpc.reflection.v1.ServerReflection(address, credentials.createInsecure());
  const call = client.ServerReflectionInfo();
  const answer = new Promise<any>((res, rej) => call.once("data", res).once("error", rej));
  call.write({ list_services: "" });
  const names = (await answer).list_services_response.service.map((s: { name: string }) => s.name);
  call.end();
  client.close();
  return names;
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

const children: ChildProcess[] = [];
afterAll(() => children.forEach((c) => c.kill("SIGKILL")));

describe("npm start (tools/src/stack)", () => {
  it("brings all five apps up healthy, prints the endpoints, and Ctrl-C leaves no process behind", async () => {
    const { env, addresses, socket, root } = await stackEnv();
    const stack = launch(env);
    children.push(stack.child);
    await waitFor(() => stack.output().includes("Slipway is up"), 30_000);
    for (const [app, name] of Object.entries(SERVICES)) {
      expect(await checkHealth(addresses[app]!)).toBe("SERVING");
      expect(await reflectedServices(addresses[app]!)).toEqual(expect.arrayContaining([name, "grpc.health.v1.Health"]));
      expect(stack.output()).toContain(`grpc://${addresses[app]}`);
    }
    expect(await pingEngineApi(socket)).toBe(true);
    expect(stack.output()).toContain(`unix://${socket}`);
    const pids = Object.keys(SERVICES)
      .concat("engine-api")
      .map((app) => Number(readFileSync(join(root, "run", `${app}.pid`), "utf8")));
    expect(pids.every(alive)).toBe(true);
    stack.child.kill("SIGINT");
    expect(await stack.exited).toBe(0);
    expect(pids.filter(alive)).toEqual([]);
  }, 60_000);

  it("refuses a port already in use with one line naming it", async () => {
    const { env, addresses } = await stackEnv();
    const [host, port] = addresses["image-store"]!.split(":");
    const blocker: Server = createServer();
    await new Promise<void>((r) => blocker.listen(Number(port), host, r));
    try {
      const stack = launch(env);
      children.push(stack.child);
      expect(await stack.exited).not.toBe(0);
      expect(stack.output().trim()).toBe(
        `slipway: port ${port} on ${host} (image-store) is already in use; stop what holds it or set SLIPWAY_IMAGE_STORE_BIND`,
      );
    } finally {
      blocker.close();
    }
  });

  it("refuses an unwritable data root with one line naming it", async () => {
    const { env, root } = await stackEnv();
    const aFile = join(root, "a-file");
    writeFileSync(aFile, "");
    const unwritable = join(aFile, "data"); // unwritable even for root: its parent is a file
    const stack = launch({ ...env, SLIPWAY_DATA_ROOT: unwritable });
    children.push(stack.child);
    expect(await stack.exited).toBe(2);
    expect(stack.output().trim()).toMatch(new RegExp(`^slipway: data root ${unwritable} is not writable \\(E[A-Z]+\\); set a writable directory$`));
  });
});

