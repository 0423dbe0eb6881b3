import { existsSync, mkdtempSync, readdirSync, rmSync } from "node:fs";
import { connect } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startRefusedMessage } from "../src/http/run-routes.js";
import { DOCKER_CLI, requireDockerCli, runDockerCli, type CliResult } from "./support/docker-cli.js";
import { goldenArchive } from "./support/golden.js";
import { call } from "./support/http-client.js";
import { startStack, type Stack } from "./support/stack.js";

/**
 * `docker run` and `docker start` against Slipway, with the stock CLIs (28.x, and Debian's 20.10 when it is a
 * different binary): the container is created, the start is refused with one line saying what to do, and
 * --rm leaves nothing behind.
 */
const DEBIAN_CLI = "/usr/bin/docker";
const CLIS = [DOCKER_CLI, ...(existsSync(DEBIAN_CLI) && DEBIAN_CLI !== DOCKER_CLI ? [DEBIAN_CLI] : [])];
/** What 28.x adds after a failed `docker run` (its own hint, as after any daemon error). */
const RUN_HINT = "\n\nRun 'docker run --help' for more information\n";

let stack: Stack;
let tmp: string;

beforeAll(async () => {
  requireDockerCli();
  tmp = mkdtempSync(join(tmpdir(), "engine-api-run-"));
  const archive = goldenArchive(tmp);
  stack = await startStack();
  const loaded = await runDockerCli(DOCKER_CLI, ["-H", `unix://${stack.socketPath}`, "load", "-q", "-i", archive]);
  expect(loaded, stack.output()).toMatchObject({ code: 0 });
}, 120_000);
afterAll(async () => {
  await stack?.stop();
  if (stack) rmSync(stack.root, { recursive: true, force: true });
  rmSync(tmp, { recursive: true, force: true });
});

/** The one line the CLI printed for a refused start (`docker: ` and 28.x's hint aside, 20.10's final dot aside). */
function refusal(r: CliResult): string {
  return r.stderr
    .replace(RUN_HINT, "\n")
    .replace(/^docker: /, "")
    .replace(/\.\n$/, "\n");
}

/** The container IDs the data root holds (`containers/<id>`). */
function containerDirs(): string[] {
  const dir = join(stack.dataRoot, "containers");
  return existsSync(dir) ? readdirSync(dir) : [];
}

function leftOnDisk(id: string): string[] {
  return [`containers/${id}`, `image/overlay2/layerdb/mounts/${id}`].filter((p) => existsSync(join(stack.dataRoot, p)));
}

function volumes(): string[] {
  return readdirSync(join(stack.dataRoot, "volumes"))
    .filter((name) => name !== "metadata.db")
    .sort();
}

describe.each(CLIS)("docker run against Slipway with %s", (cli) => {
  const run = (...args: string[]) => runDockerCli(cli, ["-H", `unix://${stack.socketPath}`, ...args]);
  const statusOf = async (id: string) => (await run("ps", "-a", "--no-trunc", "--filter", `id=${id}`, "--format", "{{.Status}}")).stdout;
  /** The container a run created, found by the short ID its message names. */
  const createdBy = (r: CliResult): string => {
    const short = /Slipway created container ([0-9a-f]{12}) /.exec(r.stderr)?.[1];
    expect(short, r.stderr).toBeDefined();
    return containerDirs().find((id) => id.startsWith(short!)) ?? short!;
  };

  it("docker run golden:1 prints that Slipway does not start containers, exits 125, and the container stays Created", async () => {
    const r = await run("run", "golden:1");
    expect(r.code).toBe(125);
    expect(r.stdout).toBe("");
    const id = createdBy(r);
    expect(id).toMatch(/^[0-9a-f]{64}$/);
    expect(refusal(r)).toBe(`Error response from daemon: ${startRefusedMessage(id, "no")}\n`);
    expect(r.stderr).toContain(
      `Error response from daemon: Slipway created container ${id.slice(0, 12)} but does not start containers: stop Slipway and ` +
        "start it with a stock dockerd on the same data root (dockerd --data-root <the data root `docker info` reports (DockerRootDir)>), " +
        "which lists it as Created",
    );
    expect(r.stderr).not.toContain(stack.dataRoot);
    expect(r.stderr).not.toMatch(/unable to upgrade|level=error|error waiting/);
    expect(await statusOf(id)).toBe("Created\n");
    expect(await run("rm", "-v", id)).toMatchObject({ code: 0 });
  });

  it("docker run -d golden:1 prints the ID, then the message; the container stays Created", async () => {
    const r = await run("run", "-d", "golden:1");
    expect(r.code).toBe(125);
    expect(r.stdout).toMatch(/^[0-9a-f]{64}\n$/);
    const id = r.stdout.trim();
    expect(refusal(r)).toBe(`Error response from daemon: ${startRefusedMessage(id, "no")}\n`);
    expect(await statusOf(id)).toBe("Created\n");
    expect(await run("rm", "-v", id)).toMatchObject({ code: 0 });
  });

  it("docker run --rm golden:1 prints the message and leaves no container, layers or anonymous volume", async () => {
    const volumesBefore = volumes();
    const containersBefore = containerDirs();
    const r = await run("run", "--rm", "golden:1");
    expect(r.code).toBe(125);
    const short = /Slipway created container ([0-9a-f]{12}) /.exec(r.stderr)![1]!;
    expect(refusal(r)).toBe(`Error response from daemon: ${startRefusedMessage(short, "removed")}\n`);
    expect(r.stderr).toContain("so it removed it and its anonymous volumes, as --rm asks");
    expect(r.stderr).not.toMatch(/unable to upgrade|level=error|error waiting/);
    expect(containerDirs()).toEqual(containersBefore);
    expect(readdirSync(join(stack.dataRoot, "image/overlay2/layerdb/mounts")).filter((id) => id.startsWith(short))).toEqual([]);
    expect(volumes()).toEqual(volumesBefore);
    expect((await run("ps", "-aq", "--filter", `id=${short}`)).stdout).toBe("");
  });

  it("docker run --rm -d golden:1 prints the ID and the message, and leaves nothing behind", async () => {
    const volumesBefore = volumes();
    const r = await run("run", "--rm", "-d", "golden:1");
    expect(r.code).toBe(125);
    const id = r.stdout.trim();
    expect(id).toMatch(/^[0-9a-f]{64}$/);
    expect(refusal(r)).toBe(`Error response from daemon: ${startRefusedMessage(id, "removed")}\n`);
    expect(r.stderr).not.toMatch(/level=error|error waiting/);
    expect(leftOnDisk(id)).toEqual([]);
    expect(volumes()).toEqual(volumesBefore);
  });

  it("docker run -it --rm golden:1 on a terminal prints the message and leaves nothing behind", async () => {
    if (!existsSync("/usr/bin/script")) return;
    const containersBefore = containerDirs();
    const r = await runDockerCli("/usr/bin/script", ["-qec", `${cli} -H unix://${stack.socketPath} run -it --rm golden:1`, "/dev/null"]);
    expect(r.code).toBe(125);
    // On a terminal everything arrives on stdout, with CR LF.
    expect(r.stdout.replace(/\r\n/g, "\n")).toMatch(
      /^docker: Error response from daemon: Slipway created container [0-9a-f]{12} but does not start containers, so it removed it/,
    );
    expect(r.stdout).not.toMatch(/unable to upgrade|level=error/);
    expect(containerDirs()).toEqual(containersBefore);
  });

  it("docker start prints the message; after docker create --rm it also removes the container", async () => {
    const id = (await run("create", "golden:1")).stdout.trim();
    const started = await run("start", id);
    expect(started.code).toBe(1);
    expect(started.stderr.split("\n")[0]).toBe(`Error response from daemon: ${startRefusedMessage(id, "no")}`);
    expect(await statusOf(id)).toBe("Created\n");
    expect(await run("rm", "-v", id)).toMatchObject({ code: 0 });

    const volumesBefore = volumes();
    const auto = (await run("create", "--rm", "golden:1")).stdout.trim();
    const refused = await run("start", auto);
    expect(refused.code).toBe(1);
    expect(refused.stderr.split("\n")[0]).toBe(`Error response from daemon: ${startRefusedMessage(auto, "removed")}`);
    expect(leftOnDisk(auto)).toEqual([]);
    expect(volumes()).toEqual(volumesBefore);
    expect(await run("start", "nosuch")).toMatchObject({
      code: 1,
      stderr: expect.stringContaining("Error response from daemon: No such container: nosuch\n"),
    });
  });
});

/** One raw request on its own connection; everything the server sends until it closes the connection. */
function raw(socketPath: string, request: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect(socketPath, () => socket.write(request));
    let text = "";
    socket.on("data", (d: Buffer) => (text += d.toString()));
    socket.once("error", reject);
    socket.once("close", () => resolve(text));
  });
}

describe("attach, wait and start over HTTP", () => {
  const upgrade = (path: string) => `POST /v1.41${path} HTTP/1.1\r\nHost: docker\r\nConnection: Upgrade\r\nUpgrade: tcp\r\nContent-Length: 0\r\n\r\n`;

  it("attach upgrades the connection as dockerd does (101, raw-stream), then ends the stream; 404 for no such container", async () => {
    const id = (await runDockerCli(DOCKER_CLI, ["-H", `unix://${stack.socketPath}`, "create", "golden:1"])).stdout.trim();
    expect(await raw(stack.socketPath, upgrade(`/containers/${id}/attach?stream=1&stdout=1&stderr=1`))).toBe(
      "HTTP/1.1 101 UPGRADED\r\nContent-Type: application/vnd.docker.raw-stream\r\nConnection: Upgrade\r\nUpgrade: tcp\r\n\r\n",
    );
    const missing = await raw(stack.socketPath, upgrade("/containers/nosuch/attach?stream=1&stdout=1"));
    expect(missing).toMatch(/^HTTP\/1\.1 404 Not Found\r\n/);
    expect(missing).toContain("\r\nConnection: close\r\n");
    expect(missing.endsWith('\r\n\r\n{"message":"No such container: nosuch"}\n')).toBe(true);
    // Any other route asked to upgrade answers as usual, on a connection that is then closed.
    const inspected = await raw(stack.socketPath, upgrade(`/containers/${id}/json`).replace(/^POST/, "GET"));
    expect(inspected).toMatch(/^HTTP\/1\.1 200 OK\r\n/);
    expect(inspected).toContain(`"Id":"${id}"`);
    await call(stack.socketPath, "DELETE", `/v1.41/containers/${id}?v=1`);
  });

  it("wait: not-running answers at once, next-exit ends when the start is refused, a bad condition is a 400", async () => {
    const id = (await runDockerCli(DOCKER_CLI, ["-H", `unix://${stack.socketPath}`, "create", "golden:1"])).stdout.trim();
    expect(await call(stack.socketPath, "POST", `/v1.41/containers/${id}/wait`)).toMatchObject({
      status: 200,
      text: '{"Error":null,"StatusCode":0}\n',
    });
    expect(await call(stack.socketPath, "POST", `/v1.41/containers/${id}/wait?condition=bogus`)).toMatchObject({
      status: 400,
      text: '{"message":"invalid condition: \\"bogus\\""}\n',
    });
    const held = call(stack.socketPath, "POST", `/v1.41/containers/${id}/wait?condition=next-exit`);
    await new Promise((resolve) => setTimeout(resolve, 200));
    const start = await call(stack.socketPath, "POST", `/v1.41/containers/${id}/start`);
    expect(start.status).toBe(501);
    expect(JSON.parse(start.text)).toEqual({ message: startRefusedMessage(id, "no") });
    expect(await held).toMatchObject({ status: 200, text: '{"Error":null,"StatusCode":128}\n' });
    const removed = call(stack.socketPath, "POST", `/v1.41/containers/${id}/wait?condition=removed`);
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(await call(stack.socketPath, "DELETE", `/v1.41/containers/${id.slice(0, 12)}?v=1`)).toMatchObject({ status: 204 });
    expect(await removed).toMatchObject({ status: 200, text: '{"Error":null,"StatusCode":0}\n' });
  });
});
