import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { htpasswdEntry, startRegistry, type TestRegistry } from "@slipway/registry-client/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { terminalScreen } from "../../test/support/terminal-screen.js";
import { sampleImage, type SampleImage } from "../sample-image/sample-image.js";
import { startLocalStack, type LocalStack } from "../stack/local-stack.js";
import { connect, endpointsFrom, type ImageStoreClient } from "./context.js";
import { runCaptured } from "./run-captured.js";

/** slipway push and pull against the stack npm start runs and Debian's docker-registry on 127.0.0.1. */
let stack: LocalStack;
let registry: TestRegistry;
let image: SampleImage;
let reference: string;
beforeAll(async () => {
  [stack, registry] = await Promise.all([startLocalStack(), startRegistry()]);
  reference = `${registry.host}/sample:1`;
  image = sampleImage(reference);
}, 90_000);
afterAll(async () => {
  await stack?.stop();
  if (stack) rmSync(stack.root, { recursive: true, force: true });
  await registry?.stop();
});

function slipway(...args: string[]) {
  return runCaptured(args, stack.env);
}

/** `slipway ARGS` with stdout a terminal `columns` wide; resolves with what that terminal shows. */
async function onTerminal(columns: number, ...args: string[]) {
  const captured = await runCaptured(args, stack.env, { terminalColumns: columns });
  return { ...captured, screen: terminalScreen(captured.stdout) };
}

/** Calls image-store with a client of the test's own. */
async function withImageStore<T>(call: (imageStore: ImageStoreClient) => Promise<T>): Promise<T> {
  const clients = connect(endpointsFrom(new Map(), stack.env), stack.env);
  try {
    return await call(clients.imageStore());
  } finally {
    clients.close();
  }
}
const removeFromSlipway = (ref: string) => withImageStore((s) => s.removeImage({ reference: ref, force: false, noPrune: false }));
const imageIdOf = async (ref: string) =>
  (await withImageStore((s) => s.listImages({ all: false, filters: {} }))).images.find((i) => i.repoTags.includes(ref))?.id;

describe("slipway push and slipway pull against a registry", () => {
  it("pushes a loaded image, printing docker push's lines", async () => {
    const archive = join(stack.root, "sample.tar");
    writeFileSync(archive, image.archive);
    expect(await slipway("load", "-i", archive)).toMatchObject({ code: 0 });
    const pushed = await slipway("push", reference);
    expect(pushed, stack.output()).toMatchObject({ code: 0, stderr: "" });
    const lines = pushed.stdout.split("\n");
    expect(lines[0]).toBe(`The push refers to repository [${registry.host}/sample]`);
    expect(lines.filter((l) => /^[0-9a-f]{12}: Pushed$/.test(l))).toHaveLength(image.diffIds.length);
    expect(lines.at(-2)).toMatch(/^1: digest: sha256:[0-9a-f]{64} size: \d+$/);
    expect(pushed.stdout).not.toMatch(/Pushing|\[=/); // the byte counts' lines are for terminals
  });

  it("pulls it back after it was removed: docker pull's lines, the full reference, the same image", async () => {
    await removeFromSlipway(reference);
    const pulled = await slipway("pull", reference);
    expect(pulled, stack.output()).toMatchObject({ code: 0, stderr: "" });
    const lines = pulled.stdout.split("\n");
    expect(lines[0]).toBe("1: Pulling from sample");
    for (const status of ["Pulling fs layer", "Download complete", "Pull complete"]) {
      expect(lines.filter((l) => new RegExp(`^[0-9a-f]{12}: ${status}$`).test(l))).toHaveLength(image.diffIds.length);
    }
    expect(lines.slice(-4)).toEqual([
      expect.stringMatching(/^Digest: sha256:[0-9a-f]{64}$/),
      `Status: Downloaded newer image for ${reference}`,
      reference,
      "",
    ]);
    expect(await imageIdOf(reference)).toBe(image.imageId);
    expect(await slipway("pull", "-q", reference)).toEqual({ code: 0, stdout: `${reference}\n`, stderr: "" });
    const otherPlatform = await slipway("pull", "--platform", "linux/s390x", reference);
    expect(otherPlatform.stdout).toContain(
      `WARNING: image with reference ${reference} was found but does not match the specified platform: wanted linux/s390x`,
    );
  });

  it("draws a line per layer with its bar on a terminal, redrawn in place", async () => {
    await removeFromSlipway(reference);
    const pulled = await onTerminal(140, "pull", reference);
    expect(pulled, stack.output()).toMatchObject({ code: 0, stderr: "" });
    // Each layer's bar was drawn on its own line, reached by moving the cursor up.
    // eslint-disable-next-line no-control-regex -- the cursor moves are escape sequences
    expect(pulled.stdout).toMatch(/\x1b\[\d+A\x1b\[2K\r[0-9a-f]{12}: Downloading \[=*> *\] +[\d.]+k?B\/[\d.]+k?B\r\x1b\[\d+B/);
    expect(pulled.screen[0]).toBe("1: Pulling from sample");
    const layerLines = pulled.screen.slice(1, 1 + image.diffIds.length);
    for (const line of layerLines) expect(line).toMatch(/^[0-9a-f]{12}: Pull complete$/);
    expect(pulled.screen.slice(1 + image.diffIds.length)).toEqual([
      expect.stringMatching(/^Digest: sha256:[0-9a-f]{64}$/),
      `Status: Downloaded newer image for ${reference}`,
      reference,
      "",
    ]);

    const pushed = await onTerminal(140, "push", reference);
    expect(pushed.screen.filter((l) => /^[0-9a-f]{12}: Layer already exists$/.test(l))).toHaveLength(image.diffIds.length);
  });

  it("says what is wrong in the registry's or dockerd's words, never a Node error code", async () => {
    expect(await slipway("pull", `${registry.host}/sample:nosuch`)).toEqual({
      code: 1,
      stdout: "",
      stderr: `Error response from daemon: manifest for ${registry.host}/sample:nosuch not found: manifest unknown: manifest unknown\n`,
    });
    expect(await slipway("pull", "127.0.0.1:1/sample:1")).toEqual({
      code: 1,
      stdout: "",
      stderr: 'Error response from daemon: Get "http://127.0.0.1:1/v2/": dial tcp 127.0.0.1:1: connect: connection refused\n',
    });
    expect(await slipway("pull", "--platform", "a/b/c/d", reference)).toMatchObject({
      code: 1,
      stderr: 'Error response from daemon: "a/b/c/d": cannot parse platform specifier: invalid argument\n',
    });
    // A failure once the stream has started is printed as the docker CLI prints a stream's error: the message alone.
    expect(await slipway("push", `${registry.host}/nothing:1`)).toEqual({
      code: 1,
      stdout: `The push refers to repository [${registry.host}/nothing]\n`,
      stderr: `An image does not exist locally with the tag: ${registry.host}/nothing\n`,
    });
  });

  it("refuses bad arguments before calling Slipway, with exit code 2", async () => {
    expect(await slipway("pull")).toMatchObject({ code: 2, stderr: expect.stringMatching(/^slipway: "pull" requires exactly 1 argument/) });
    expect(await slipway("pull", "Sample:1")).toMatchObject({
      code: 2,
      stderr: "slipway: invalid reference format: repository name must be lowercase\nSee 'slipway help'.\n",
    });
    expect(await slipway("push", reference, "extra")).toMatchObject({ code: 2 });
  });
});

describe("slipway login against a registry with htpasswd Basic auth, and the credentials it stores", () => {
  let secured: TestRegistry;
  let dockerConfig: string;
  let target: string;
  beforeAll(async () => {
    const htpasswdFile = join(stack.root, "htpasswd");
    writeFileSync(htpasswdFile, `${await htpasswdEntry("tester", "secret")}\n`);
    secured = await startRegistry({ htpasswdFile });
    dockerConfig = mkdtempSync(join(stack.root, "docker-config-"));
    target = `${secured.host}/sample:1`;
  });
  afterAll(() => secured?.stop());
  const configFile = () => join(dockerConfig, "config.json");
  const withConfig = (stdin: string, ...args: string[]) => runCaptured(args, { ...stack.env, DOCKER_CONFIG: dockerConfig }, { stdin });

  it("refuses a wrong password in the registry's words, and stores nothing", async () => {
    const refused = await withConfig("wrong\n", "login", "-u", "tester", "--password-stdin", secured.host);
    expect(refused).toEqual({
      code: 1,
      stdout: "",
      stderr: `Error response from daemon: login attempt to http://${secured.host}/v2/ failed with status: 401 Unauthorized\n`,
    });
    expect(existsSync(configFile())).toBe(false);
  });

  it("stores the right one where docker login does, and pushes and pulls with it", async () => {
    await withImageStore((s) => s.tagImage({ source: reference, target, tag: "" }));
    const anonymous = await withConfig("", "push", target);
    expect(anonymous).toMatchObject({ code: 1, stderr: "no basic auth credentials\n" });

    const loggedIn = await withConfig("secret\n", "login", "-u", "tester", "--password-stdin", secured.host);
    expect(loggedIn).toEqual({
      code: 0,
      stdout: "Login Succeeded\n",
      stderr: `WARNING! Your password will be stored unencrypted in ${configFile()}.\n`,
    });
    expect(JSON.parse(readFileSync(configFile(), "utf8"))).toEqual({
      auths: { [secured.host]: { auth: Buffer.from("tester:secret").toString("base64") } },
    });

    expect(await withConfig("", "push", target)).toMatchObject({ code: 0, stderr: "" });
    await removeFromSlipway(target);
    expect(await withConfig("", "pull", "-q", target)).toEqual({ code: 0, stdout: `${target}\n`, stderr: "" });
  });

  it("needs a user name and exactly one way to give the password", async () => {
    expect(await withConfig("", "login", "-p", "secret", secured.host)).toMatchObject({ code: 2 });
    expect(await withConfig("", "login", "-u", "tester", "-p", "secret", "--password-stdin", secured.host)).toMatchObject({ code: 2 });
    expect(await withConfig("", "login", "-u", "tester", "--password-stdin", secured.host)).toMatchObject({
      code: 2,
      stderr: expect.stringMatching(/^slipway: --password-stdin read no password/),
    });
  });
});
