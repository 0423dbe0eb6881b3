import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { htpasswdEntry, startRegistry, type TestRegistry } from "@slipway/registry-client/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { dockerAt, requireDockerCli } from "./support/docker-cli.js";
import { call } from "./support/http-client.js";
import { copyToRegistry, randomImageArchive } from "./support/registry-images.js";
import { startStack, type Stack } from "./support/stack.js";

/**
 * docker pull, push, login and the pull of `docker create`, with the stock CLI against the five apps as
 * processes and Debian's docker-registry, each compared with what the host dockerd prints for the same
 * commands against the same registry. The image is made here of random bytes, so the host dockerd holds
 * none of its layers and pulls it cold, as Slipway does; what the host dockerd pulls is removed again. The
 * steps build on each other and run in order.
 */
const REAL_DOCKERD = "/var/run/docker.sock";
let tmp: string;
let registry: TestRegistry;
let stack: Stack;
let imageId: string;
const hostImages = new Set<string>();

beforeAll(async () => {
  requireDockerCli();
  tmp = mkdtempSync(join(tmpdir(), "engine-api-registry-"));
  registry = await startRegistry();
  const image = randomImageArchive(join(tmp, "x"));
  imageId = image.id;
  for (const tag of ["1", "2"]) copyToRegistry(image.archive, `${registry.host}/x:${tag}`);
  copyToRegistry(randomImageArchive(join(tmp, "raw")).archive, `${registry.host}/raw:1`);
  stack = await startStack();
}, 120_000);
afterAll(async () => {
  for (const reference of hostImages) await dockerAt(REAL_DOCKERD, ["rmi", reference]);
  await stack?.stop();
  if (stack) rmSync(stack.root, { recursive: true, force: true });
  await registry?.stop();
  rmSync(tmp, { recursive: true, force: true });
});

const slipway = (...args: string[]) => dockerAt(stack.socketPath, args);

/** The host dockerd pulls (and later removes) the reference; what it printed, and its `docker images` row. */
async function hostPull(reference: string, config?: string) {
  hostImages.add(reference);
  const pulled = await dockerAt(REAL_DOCKERD, ["pull", reference], { config });
  const again = await dockerAt(REAL_DOCKERD, ["pull", reference], { config });
  return { pulled, again, row: (await dockerAt(REAL_DOCKERD, ["images", "--digests", "--format", ROW, reference])).stdout };
}
const ROW = "{{.Repository}} {{.Tag}} {{.Digest}} {{.ID}} {{.Size}}";

/** A Downloading or Extracting line as dockerd renders it: counts, and the bar text at 200 columns. */
const BAR_LINE =
  /^\{"status":"(Downloading|Extracting)","progressDetail":\{"current":\d+,"total":\d+\},"progress":"\[=*\\u003e *\] +[\d.]+[kMG]?B\/[\d.]+[kMG]?B","id":"[0-9a-f]{12}"\}$/;

/** The CLI's lines for a pull, grouped by what each is about: "<id>: <status>" by id, the others under "". */
function linesPerId(output: string): Record<string, string[]> {
  return groupBy(output.split("\n"), (line) => /^([0-9a-z.]+): /.exec(line)?.[1] ?? "");
}

/** The JSON lines of a pull without the progress bars (their number and counts are timing's), grouped by id. */
function jsonLinesPerId(text: string): Record<string, string[]> {
  const lines = text.split("\r\n").filter((line) => !line.includes('"progress":'));
  return groupBy(lines, (line) => (line === "" ? "" : ((JSON.parse(line) as { id?: string }).id ?? "")));
}

function groupBy(lines: readonly string[], keyOf: (line: string) => string): Record<string, string[]> {
  const groups: Record<string, string[]> = {};
  for (const line of lines) (groups[keyOf(line)] ??= []).push(line);
  return groups;
}

/**
 * dockerd's transfer watchers print a layer's latest status whenever they get to it, so a status replaced at once
 * ("Verifying Checksum", "Download complete") is sometimes missing from its output. So each layer's lines from
 * dockerd must be among Slipway's in the same order, with the same first and last; the other lines the same.
 */
function expectDockerdsLines(ours: Record<string, string[]>, dockerds: Record<string, string[]>): void {
  expect(Object.keys(ours).sort()).toEqual(Object.keys(dockerds).sort());
  for (const [id, theirs] of Object.entries(dockerds)) {
    const mine = ours[id]!;
    if (id === "") {
      expect([...mine].sort()).toEqual([...theirs].sort());
      continue;
    }
    expect([mine[0], mine.at(-1)]).toEqual([theirs[0], theirs.at(-1)]);
    let at = 0;
    for (const line of mine) if (line === theirs[at]) at++;
    expect(at, `${id}: dockerd's ${JSON.stringify(theirs)} in order among ${JSON.stringify(mine)}`).toBe(theirs.length);
  }
}

describe("docker pull", () => {
  it("prints the lines the host dockerd prints for the same pull, and the same image row", async () => {
    const reference = `${registry.host}/x:1`;
    const host = await hostPull(reference);
    expect(host.pulled.code, host.pulled.stderr).toBe(0);
    const pulled = await slipway("pull", reference);
    expect(pulled, stack.output()).toMatchObject({ code: 0, stderr: "" });
    expectDockerdsLines(linesPerId(pulled.stdout), linesPerId(host.pulled.stdout));
    // Slipway prints every layer's check, which dockerd prints unless its next status came at once.
    const checked = (output: string, status: string) =>
      output
        .split("\n")
        .filter((line) => line.endsWith(`: ${status}`))
        .map((line) => line.split(":")[0]);
    expect(checked(pulled.stdout, "Verifying Checksum").sort()).toEqual(checked(pulled.stdout, "Download complete").sort());
    expect(pulled.stdout).toContain(`Status: Downloaded newer image for ${reference}\n`);
    expect((await slipway("images", "--digests", "--format", ROW, reference)).stdout).toBe(host.row);
    expect(host.row).toContain(imageId.slice(7, 19));
  });

  it("streams the JSON lines the host dockerd streams for the same pull, the bars' timing aside", async () => {
    const path = `/v1.41/images/create?fromImage=${encodeURIComponent(`${registry.host}/raw`)}&tag=1`;
    const headers = { "X-Registry-Auth": "e30=" };
    hostImages.add(`${registry.host}/raw:1`);
    const host = await call(REAL_DOCKERD, "POST", path, { headers });
    const pulled = await call(stack.socketPath, "POST", path, { headers });
    expect([pulled.status, pulled.headers["content-type"]]).toEqual([host.status, host.headers["content-type"]]);
    expectDockerdsLines(jsonLinesPerId(pulled.text), jsonLinesPerId(host.text));
    const bars = (text: string) => text.split("\r\n").filter((line) => line.includes('"progress":'));
    expect(bars(pulled.text).length).toBeGreaterThan(0);
    for (const line of bars(pulled.text)) expect(line).toMatch(BAR_LINE);
    expect(bars(host.text).every((line) => BAR_LINE.test(line))).toBe(true);
  });

  it("pulls again with dockerd's 'Image is up to date'", async () => {
    const reference = `${registry.host}/x:1`;
    const host = await hostPull(reference);
    const again = await slipway("pull", reference);
    expect(again).toMatchObject({ code: 0, stdout: host.again.stdout });
    expect(again.stdout).toContain(`Status: Image is up to date for ${reference}\n`);
  });

  it("answers an unknown tag with the host dockerd's message", async () => {
    const reference = `${registry.host}/x:nosuch`;
    const host = await dockerAt(REAL_DOCKERD, ["pull", reference]);
    expect(host.code).toBe(1);
    expect(await slipway("pull", reference)).toMatchObject({ code: 1, stdout: host.stdout, stderr: host.stderr });
  });
});

describe("docker create of a missing image", () => {
  it("pulls it, as the host dockerd would, then creates the container", async () => {
    const reference = `${registry.host}/x:2`;
    const created = await slipway("create", reference);
    expect(created, stack.output()).toMatchObject({ code: 0, stdout: expect.stringMatching(/^[0-9a-f]{64}\n$/) });
    expect(created.stderr).toMatch(new RegExp(`^Unable to find image '${reference}' locally\n2: Pulling from x\n`));
    expect(created.stderr).toContain(`Status: Downloaded newer image for ${reference}\n`);
    expect(await slipway("rm", created.stdout.trim())).toMatchObject({ code: 0 });
    expect(await slipway("create", "--pull=never", `${registry.host}/x:nosuch`)).toMatchObject({
      code: 1,
      stderr: `Error response from daemon: No such image: ${registry.host}/x:nosuch\n`,
    });
  });
});

describe("docker login and docker push against a registry with htpasswd Basic auth", () => {
  let secured: TestRegistry;
  beforeAll(async () => {
    const htpasswdFile = join(tmp, "htpasswd");
    writeFileSync(htpasswdFile, `${await htpasswdEntry("tester", "secret")}\n`);
    secured = await startRegistry({ htpasswdFile });
  });
  afterAll(() => secured?.stop());

  it("docker login refuses a wrong password as the host dockerd does, and accepts the right one", async () => {
    const login = (socketPath: string, password: string) =>
      dockerAt(socketPath, ["login", "-u", "tester", "--password-stdin", secured.host], {
        config: mkdtempSync(join(tmp, "config-")),
        stdin: `${password}\n`,
      });
    const refusedByHost = await login(REAL_DOCKERD, "wrong");
    expect(refusedByHost.code).toBe(1);
    expect(await login(stack.socketPath, "wrong")).toMatchObject({ code: 1, stderr: refusedByHost.stderr });
    expect(await login(stack.socketPath, "secret")).toMatchObject({ code: 0, stdout: "Login Succeeded\n" });
  });

  it("docker push sends the image with the stored credentials, and the host dockerd pulls it back as the same image", async () => {
    const config = mkdtempSync(join(tmp, "config-"));
    const login = ["login", "-u", "tester", "--password-stdin", secured.host];
    expect(await dockerAt(stack.socketPath, login, { config, stdin: "secret\n" })).toMatchObject({ code: 0 });
    const target = `${secured.host}/pushed:1`;
    expect(await slipway("tag", `${registry.host}/x:1`, target)).toMatchObject({ code: 0 });
    const pushed = await dockerAt(stack.socketPath, ["push", target], { config });
    expect(pushed, stack.output()).toMatchObject({ code: 0, stderr: "" });
    expect(pushed.stdout).toMatch(new RegExp(`^The push refers to repository \\[${secured.host}/pushed\\]\n`));
    const digest = /^1: digest: (sha256:[0-9a-f]{64}) size: \d+$/m.exec(pushed.stdout)?.[1];
    expect(digest, pushed.stdout).toBeDefined();

    const hostConfig = mkdtempSync(join(tmp, "config-"));
    expect(await dockerAt(REAL_DOCKERD, login, { config: hostConfig, stdin: "secret\n" })).toMatchObject({ code: 0 });
    const host = await hostPull(target, hostConfig);
    expect(host.pulled.stdout).toContain(`Digest: ${digest}\n`);
    expect(host.row).toContain(imageId.slice(7, 19));

    // Pushed again: every layer is there already, and the aux line with the tag's digest ends the stream.
    const auth = { username: "tester", password: "secret", serveraddress: secured.host };
    const again = await call(stack.socketPath, "POST", `/v1.41/images/${secured.host}/pushed/push?tag=1`, {
      headers: { "X-Registry-Auth": Buffer.from(JSON.stringify(auth)).toString("base64url") },
    });
    const layerStatuses = [...again.text.matchAll(/"status":"([^"]+)","progressDetail":\{\},"id":"[0-9a-f]{12}"/g)].map((m) => m[1]).sort();
    expect(layerStatuses).toEqual(["Layer already exists", "Layer already exists", "Preparing", "Preparing"]);
    expect(again.text).toMatch(
      new RegExp(
        `"1: digest: ${digest} size: (\\d+)"\\}\r\n\\{"progressDetail":\\{\\},"aux":\\{"Tag":"1","Digest":"${digest}","Size":\\1\\}\\}\r\n$`,
      ),
    );
  });
});
