import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { encodeRegistryAuth } from "@slipway/registry-client";
import { htpasswdEntry, startRegistry, type TestRegistry } from "@slipway/registry-client/testing";
import { startSecondDockerd, type SecondDockerd } from "@slipway/throwaway-dockerd";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { dockerAt, requireDockerCli } from "./support/docker-cli.js";
import { call } from "./support/http-client.js";
import { copyToRegistry, randomImageArchive } from "./support/registry-images.js";
import { startStack, type Stack } from "./support/stack.js";

/**
 * docker pull, push, login and the pull of `docker create`, with the stock CLI against the five apps as
 * processes and Debian's docker-registry, each compared with what a stock dockerd prints for the same
 * commands against the same registry: a throwaway one on its own data root, so the host's stays as it was.
 * The image is made here of random bytes, so neither engine holds any of its layers and both pull it cold.
 * The steps build on each other and run in order.
 */
let tmp: string;
let registry: TestRegistry;
let stack: Stack;
let dockerd: SecondDockerd;
let imageId: string;

beforeAll(async () => {
  requireDockerCli();
  tmp = mkdtempSync(join(tmpdir(), "engine-api-registry-"));
  registry = await startRegistry();
  const image = randomImageArchive(join(tmp, "x"));
  imageId = image.id;
  for (const tag of ["1", "2"]) copyToRegistry(image.archive, `${registry.host}/x:${tag}`);
  const raw = randomImageArchive(join(tmp, "raw")).archive;
  for (const reference of ["raw:1", "every:a", "every:b"]) copyToRegistry(raw, `${registry.host}/${reference}`);
  [stack, dockerd] = await Promise.all([startStack(), startSecondDockerd({ dataRoot: join(tmp, "dockerd") })]);
}, 120_000);
afterAll(async () => {
  await dockerd?.stop();
  await stack?.stop();
  if (stack) rmSync(stack.root, { recursive: true, force: true });
  await registry?.stop();
  rmSync(tmp, { recursive: true, force: true });
});

const slipway = (...args: string[]) => dockerAt(stack.socketPath, args);

/** dockerd pulls the reference twice; what it printed, and its `docker images` row. */
async function dockerdPull(reference: string, config?: string) {
  const pulled = await dockerAt(dockerd.socketPath, ["pull", reference], { config });
  const again = await dockerAt(dockerd.socketPath, ["pull", reference], { config });
  return { pulled, again, row: (await dockerAt(dockerd.socketPath, ["images", "--digests", "--format", ROW, reference])).stdout };
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
  it("prints the lines dockerd prints for the same pull, and the same image row", async () => {
    const reference = `${registry.host}/x:1`;
    const theirs = await dockerdPull(reference);
    expect(theirs.pulled.code, theirs.pulled.stderr).toBe(0);
    const pulled = await slipway("pull", reference);
    expect(pulled, stack.output()).toMatchObject({ code: 0, stderr: "" });
    expectDockerdsLines(linesPerId(pulled.stdout), linesPerId(theirs.pulled.stdout));
    // Slipway prints every layer's check, which dockerd prints unless its next status came at once.
    const checked = (output: string, status: string) =>
      output
        .split("\n")
        .filter((line) => line.endsWith(`: ${status}`))
        .map((line) => line.split(":")[0]);
    expect(checked(pulled.stdout, "Verifying Checksum").sort()).toEqual(checked(pulled.stdout, "Download complete").sort());
    expect(pulled.stdout).toContain(`Status: Downloaded newer image for ${reference}\n`);
    expect((await slipway("images", "--digests", "--format", ROW, reference)).stdout).toBe(theirs.row);
    expect(theirs.row).toContain(imageId.slice(7, 19));
  });

  it("streams the JSON lines dockerd streams for the same pull, the bars' timing aside", async () => {
    const path = `/v1.41/images/create?fromImage=${encodeURIComponent(`${registry.host}/raw`)}&tag=1`;
    const headers = { "X-Registry-Auth": "e30=" };
    const theirs = await call(dockerd.socketPath, "POST", path, { headers });
    const pulled = await call(stack.socketPath, "POST", path, { headers });
    expect([pulled.status, pulled.headers["content-type"]]).toEqual([theirs.status, theirs.headers["content-type"]]);
    expectDockerdsLines(jsonLinesPerId(pulled.text), jsonLinesPerId(theirs.text));
    const bars = (text: string) => text.split("\r\n").filter((line) => line.includes('"progress":'));
    expect(bars(pulled.text).length).toBeGreaterThan(0);
    for (const line of bars(pulled.text)) expect(line).toMatch(BAR_LINE);
    expect(bars(theirs.text).every((line) => BAR_LINE.test(line))).toBe(true);
  });

  it("pulls again with dockerd's 'Image is up to date'", async () => {
    const reference = `${registry.host}/x:1`;
    const theirs = await dockerdPull(reference);
    const again = await slipway("pull", reference);
    expect(again).toMatchObject({ code: 0, stdout: theirs.again.stdout });
    expect(again.stdout).toContain(`Status: Image is up to date for ${reference}\n`);
  });

  it("answers an unknown tag with dockerd's message", async () => {
    const reference = `${registry.host}/x:nosuch`;
    const theirs = await dockerAt(dockerd.socketPath, ["pull", reference]);
    expect(theirs.code).toBe(1);
    expect(await slipway("pull", reference)).toMatchObject({ code: 1, stdout: theirs.stdout, stderr: theirs.stderr });
  });

  it("docker pull --all-tags pulls each tag as dockerd does, then the status for the name", async () => {
    const name = `${registry.host}/every`;
    const theirs = await dockerAt(dockerd.socketPath, ["pull", "--all-tags", name]);
    expect(theirs.stdout).toMatch(/^(a|b): Pulling from every\n/);
    const ours = await slipway("pull", "--all-tags", name);
    expect(ours).toMatchObject({ code: 0, stdout: theirs.stdout, stderr: theirs.stderr });
    expect(ours.stdout).toContain(`\nStatus: Downloaded newer image for ${name}\n${name}\n`);
  });
});

describe("docker create of a missing image", () => {
  it("pulls it, as dockerd would, then creates the container", async () => {
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

  it("docker login refuses a wrong password as dockerd does, and accepts the right one", async () => {
    const login = (socketPath: string, password: string) =>
      dockerAt(socketPath, ["login", "-u", "tester", "--password-stdin", secured.host], {
        config: mkdtempSync(join(tmp, "config-")),
        stdin: `${password}\n`,
      });
    const refusedByDockerd = await login(dockerd.socketPath, "wrong");
    expect(refusedByDockerd.code).toBe(1);
    expect(await login(stack.socketPath, "wrong")).toMatchObject({ code: 1, stderr: refusedByDockerd.stderr });
    expect(await login(stack.socketPath, "secret")).toMatchObject({ code: 0, stdout: "Login Succeeded\n" });
  });

  it("docker push sends the image with the stored credentials, and dockerd pulls it back as the same image", async () => {
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

    const dockerdConfig = mkdtempSync(join(tmp, "config-"));
    expect(await dockerAt(dockerd.socketPath, login, { config: dockerdConfig, stdin: "secret\n" })).toMatchObject({ code: 0 });
    const theirs = await dockerdPull(target, dockerdConfig);
    expect(theirs.pulled.stdout).toContain(`Digest: ${digest}\n`);
    expect(theirs.row).toContain(imageId.slice(7, 19));

    // Pushed again: every layer is there already, and the aux line with the tag's digest ends the stream.
    const auth = { username: "tester", password: "secret", serveraddress: secured.host };
    const again = await call(stack.socketPath, "POST", `/v1.41/images/${secured.host}/pushed/push?tag=1`, {
      headers: { "X-Registry-Auth": encodeRegistryAuth(auth) },
    });
    const layerStatuses = [...again.text.matchAll(/"status":"([^"]+)","progressDetail":\{\},"id":"[0-9a-f]{12}"/g)].map((m) => m[1]).sort();
    expect(layerStatuses).toEqual(["Layer already exists", "Layer already exists", "Preparing", "Preparing"]);
    expect(again.text).toMatch(
      new RegExp(
        `"1: digest: ${digest} size: (\\d+)"\\}\r\n\\{"progressDetail":\\{\\},"aux":\\{"Tag":"1","Digest":"${digest}","Size":\\1\\}\\}\r\n$`,
      ),
    );
  });

  it("reads X-Registry-Auth as dockerd does: the CLI's padded base64url, and any other form as no credentials", async () => {
    // "?????" is written with a "/" by standard base64 whatever its offset; a length base64 must pad.
    const credentials = { username: "tester", password: "secret", serveraddress: secured.host, email: "?????" };
    if (JSON.stringify(credentials).length % 3 === 0) credentials.email += "?";
    const padded = encodeRegistryAuth(credentials);
    const forms = [padded, padded.replace(/=+$/, ""), Buffer.from(JSON.stringify(credentials)).toString("base64")];
    const path = `/v1.41/images/create?fromImage=${encodeURIComponent(`${secured.host}/pushed`)}&tag=1`;
    const answer = async (socketPath: string, header: string) => {
      const { status, text } = await call(socketPath, "POST", path, { headers: { "X-Registry-Auth": header } });
      return [status, text.trimEnd().split("\r\n").at(-1)];
    };
    const theirs = await Promise.all(forms.map((header) => answer(dockerd.socketPath, header)));
    expect(theirs.map(([status]) => status)).toEqual([200, 500, 500]);
    for (const [i, header] of forms.entries()) expect(await answer(stack.socketPath, header), header).toEqual(theirs[i]);
  });
});
