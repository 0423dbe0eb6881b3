import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createCertificateAuthority } from "@slipway/pki";
import { htpasswdEntry, startRegistry, startTokenServer, type TestRegistry, type TokenServer } from "@slipway/registry-client/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { dockerAt, requireDockerCli } from "./support/docker-cli.js";
import { randomImageArchive } from "./support/registry-images.js";
import { startStack, type Stack } from "./support/stack.js";

/**
 * docker login, push, pull and the pull of `docker create`, with the stock CLI against the five apps as
 * processes, for the registries that ask who calls: htpasswd Basic auth over TLS checked against a test CA
 * in a certs.d directory (the registry on ::1, since 127.0.0.0/8 is never checked), and Bearer tokens from
 * a token server. The plain-HTTP registry is cli-registry.test.ts's. Each mode's steps build on each
 * other and run in order.
 */
const USER = "tester";
const PASSWORD = "secret";
let tmp: string;
let image: { archive: string; id: string };
let tlsRegistry: TestRegistry;
let tokens: TokenServer;
let tokenRegistry: TestRegistry;
let stack: Stack;

beforeAll(async () => {
  requireDockerCli();
  tmp = mkdtempSync(join(tmpdir(), "engine-api-registry-auth-"));
  image = randomImageArchive(join(tmp, "x"));
  const ca = await createCertificateAuthority({ commonName: "registry test CA" });
  const server = await ca.issue("registry");
  const [certificate, key, htpasswdFile] = ["server.pem", "server-key.pem", "htpasswd"].map((name) => join(tmp, name)) as [string, string, string];
  writeFileSync(certificate, server.certPem);
  writeFileSync(key, server.keyPem);
  writeFileSync(htpasswdFile, `${await htpasswdEntry(USER, PASSWORD)}\n`);
  tlsRegistry = await startRegistry({ address: "::1", htpasswdFile, tls: { certificate, key } });
  const certsDir = join(tmp, "certs.d");
  mkdirSync(join(certsDir, tlsRegistry.host), { recursive: true });
  writeFileSync(join(certsDir, tlsRegistry.host, "ca.crt"), ca.certPem);
  tokens = await startTokenServer(tmp, { [USER]: PASSWORD });
  tokenRegistry = await startRegistry({ token: tokens });
  stack = await startStack({ SLIPWAY_REGISTRY_CERTS_DIR: certsDir });
}, 120_000);
afterAll(async () => {
  await stack?.stop();
  if (stack) rmSync(stack.root, { recursive: true, force: true });
  await tlsRegistry?.stop();
  await tokenRegistry?.stop();
  await tokens?.stop();
  rmSync(tmp, { recursive: true, force: true });
});

const MODES = [
  {
    mode: "htpasswd Basic auth over TLS, its CA in certs.d",
    registry: () => tlsRegistry,
    wrongPassword: (host: string) => `login attempt to https://${host}/v2/ failed with status: 401 Unauthorized`,
    anonymous: (host: string, path: string) => `Head "https://${host}/v2/${path}/manifests/1": no basic auth credentials`,
  },
  {
    mode: "Bearer tokens from a token server",
    registry: () => tokenRegistry,
    wrongPassword: (host: string) => `Get "http://${host}/v2/": unauthorized: incorrect username or password`,
    anonymous: (host: string, path: string) =>
      `pull access denied for ${host}/${path}, repository does not exist or may require 'docker login': denied: requested access to the resource is denied`,
  },
];

describe.each(MODES)("a registry with $mode", ({ mode, registry, wrongPassword, anonymous }) => {
  let config: string;
  let reference: string;
  const slipway = (...args: string[]) => dockerAt(stack.socketPath, args, { config });
  const login = (password: string) =>
    dockerAt(stack.socketPath, ["login", "-u", USER, "--password-stdin", registry().host], { config, stdin: `${password}\n` });
  beforeAll(() => {
    config = mkdtempSync(join(tmp, "config-"));
    reference = `${registry().host}/private/x:1`;
  });

  it("docker login refuses a wrong password in dockerd's words and accepts the right one", async () => {
    expect(await login("wrong")).toMatchObject({ code: 1, stderr: `Error response from daemon: ${wrongPassword(registry().host)}\n` });
    expect(await login(PASSWORD), stack.output()).toMatchObject({ code: 0, stdout: "Login Succeeded\n" });
    if (registry() === tokenRegistry) {
      // The token server gave an identity token, which the CLI keeps instead of the password.
      const { auths } = JSON.parse(readFileSync(join(config, "config.json"), "utf8")) as { auths: Record<string, { identitytoken?: string }> };
      expect(auths[registry().host]?.identitytoken).toMatch(/^[0-9a-f]{32}$/);
    }
  });

  it("docker push sends a loaded image with the stored credentials", async () => {
    expect(await slipway("load", "-i", image.archive)).toMatchObject({ code: 0, stdout: "Loaded image: x:1\n" });
    expect(await slipway("tag", "x:1", reference)).toMatchObject({ code: 0 });
    tokens.requests.length = 0;
    const pushed = await slipway("push", reference);
    expect(pushed, stack.output()).toMatchObject({ code: 0, stderr: "" });
    expect(pushed.stdout).toMatch(/^1: digest: sha256:[0-9a-f]{64} size: \d+$/m);
    if (registry() === tokenRegistry) expect(tokens.requests).toContainEqual(expect.objectContaining({ grantType: "refresh_token", user: USER }));
  });

  it("docker pull brings the same image back cold, and a caller without credentials is refused in dockerd's words", async () => {
    expect(await slipway("rmi", "-f", image.id)).toMatchObject({ code: 0 });
    const pulled = await slipway("pull", reference);
    expect(pulled, stack.output()).toMatchObject({ code: 0, stderr: "" });
    expect(pulled.stdout).toContain(": Pull complete\n");
    expect(pulled.stdout).toContain(`Status: Downloaded newer image for ${reference}\n`);
    expect((await slipway("image", "inspect", "--format", "{{.Id}}", reference)).stdout).toBe(`${image.id}\n`);
    expect(await dockerAt(stack.socketPath, ["pull", reference])).toMatchObject({
      code: 1,
      stderr: `Error response from daemon: ${anonymous(registry().host, "private/x")}\n`,
    });
  });

  it("docker create of the image, missing again, pulls it with the stored credentials", async () => {
    expect(await slipway("rmi", "-f", image.id)).toMatchObject({ code: 0 });
    const created = await slipway("create", reference);
    expect(created, `${mode}\n${stack.output()}`).toMatchObject({ code: 0, stdout: expect.stringMatching(/^[0-9a-f]{64}\n$/) });
    expect(created.stderr.split("\n").slice(0, 2)).toEqual([`Unable to find image '${reference}' locally`, "1: Pulling from private/x"]);
    expect(created.stderr).toContain(`Status: Downloaded newer image for ${reference}\n`);
    expect(await slipway("rm", created.stdout.trim())).toMatchObject({ code: 0 });
    expect(await slipway("rmi", "-f", image.id)).toMatchObject({ code: 0 });
  });
});
