// Authentication against a real registry: htpasswd Basic auth, and token auth through a test token server.
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parseNormalizedNamed } from "@slipway/docker-spec";
import { RegistryClient, login, repositoryScope, type AuthConfig } from "../src/index.js";
import { htpasswdEntry, startRegistry, startTokenServer, type TestRegistry, type TokenServer } from "../src/testing/index.js";
import { once, pullImage, pushImage, testImage } from "./images.js";

const alice: AuthConfig = { username: "alice", password: "secret" };
const client = new RegistryClient();
let dir: string;

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), "registry-auth-"));
});

afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
});

function push(registry: TestRegistry, path: string, auth: AuthConfig) {
  return client.withRepository(parseNormalizedNamed(`${registry.host}/${path}`), { push: true, auth }, (repository) =>
    pushImage(repository, testImage(), "1"),
  );
}

describe("htpasswd Basic auth", () => {
  let registry: TestRegistry;

  beforeAll(async () => {
    const file = join(dir, "htpasswd");
    writeFileSync(file, `${await htpasswdEntry("alice", "secret")}\n`);
    registry = await startRegistry({ htpasswdFile: file });
    await push(registry, "app", alice);
  });

  afterAll(() => registry?.stop());

  it("pulls with the credentials", async () => {
    const pulled = await pullImage(client, `${registry.host}/app:1`, { auth: alice });
    expect(pulled.layers).toHaveLength(2);
  });

  it("fails without or with wrong credentials as dockerd does", async () => {
    await expect(pullImage(client, `${registry.host}/app:1`)).rejects.toThrow(
      `Head "http://${registry.host}/v2/app/manifests/1": no basic auth credentials`,
    );
    await expect(pullImage(client, `${registry.host}/app:1`, { auth: { username: "alice", password: "wrong" } })).rejects.toThrow(
      /^unauthorized: authentication required$/,
    );
  });

  it("logs in as docker login does", async () => {
    expect(await login(client, { ...alice, serveraddress: registry.host })).toEqual({ status: "Login Succeeded", identityToken: "" });
    await expect(login(client, { username: "alice", password: "wrong", serveraddress: `http://${registry.host}` })).rejects.toThrow(
      `login attempt to http://${registry.host}/v2/ failed with status: 401 Unauthorized`,
    );
  });
});

describe("token auth", () => {
  let registry: TestRegistry;
  let tokens: TokenServer;

  beforeAll(async () => {
    tokens = await startTokenServer(dir, { alice: "secret" });
    registry = await startRegistry({ token: tokens });
    await push(registry, "private/app", alice);
    await push(registry, "public/app", alice);
  });

  afterAll(async () => {
    await registry?.stop();
    await tokens?.stop();
  });

  it("pulls with one token for the whole pull, fetched with Basic credentials", async () => {
    tokens.requests.length = 0;
    await pullImage(client, `${registry.host}/private/app:1`, { auth: alice });
    expect(tokens.requests).toEqual([{ method: "GET", user: "alice", scopes: [repositoryScope("private/app", ["pull"])] }]);
  });

  it("pulls anonymously what anyone may pull, and words a refusal as dockerd does", async () => {
    await pullImage(client, `${registry.host}/public/app:1`);
    const denied = pullImage(client, `${registry.host}/private/app:1`);
    await expect(denied).rejects.toThrow(
      `pull access denied for ${registry.host}/private/app, repository does not exist or may require 'docker login': denied: requested access to the resource is denied`,
    );
    await expect(denied).rejects.toMatchObject({ category: "not-found" });
  });

  it("words wrong credentials as dockerd does (the token server's details)", async () => {
    await expect(pullImage(client, `${registry.host}/private/app:1`, { auth: { username: "alice", password: "wrong" } })).rejects.toThrow(
      `Head "http://${registry.host}/v2/private/app/manifests/1": unauthorized: incorrect username or password`,
    );
  });

  it("logs in for an identity token, which later pulls exchange with a refresh_token grant", async () => {
    const result = await login(client, { ...alice, serveraddress: registry.host });
    expect(result.status).toBe("Login Succeeded");
    expect(result.identityToken).toMatch(/^[0-9a-f]{32}$/);
    tokens.requests.length = 0;
    await pullImage(client, `${registry.host}/private/app:1`, { auth: { identitytoken: result.identityToken } });
    expect(tokens.requests).toEqual([
      { method: "POST", grantType: "refresh_token", user: "alice", scopes: [repositoryScope("private/app", ["pull"])] },
    ]);
    const refused = login(client, { username: "alice", password: "wrong", serveraddress: registry.host });
    await expect(refused).rejects.toThrow(`Get "http://${registry.host}/v2/": unauthorized: incorrect username or password`);
    await expect(refused).rejects.toMatchObject({ category: "unauthorized" });
  });

  it("sends a registry token as it is, without asking the token server", async () => {
    tokens.requests.length = 0;
    const registrytoken = tokens.mint("alice", [repositoryScope("private/app", ["pull"])]);
    await pullImage(client, `${registry.host}/private/app:1`, { auth: { registrytoken } });
    expect(tokens.requests).toEqual([]);
  });

  it("asks for pull access to a mount's source repository alongside the push", async () => {
    const layer = testImage().layers[0]!;
    const reference = (path: string) => parseNormalizedNamed(`${registry.host}/${path}`);
    await client.withRepository(reference("private/source"), { push: true, auth: alice }, (repository) =>
      repository.uploads.upload(() => once(layer.gzip), { digest: layer.digest }),
    );
    tokens.requests.length = 0;
    const mounted = await client.withRepository(reference("private/target"), { push: true, auth: alice }, (repository) =>
      repository.uploads.mount(layer.digest, "private/source"),
    );
    expect(mounted.mounted).toBe(true);
    expect(tokens.requests.map((request) => request.scopes)).toContainEqual([
      repositoryScope("private/target", ["push", "pull"]),
      repositoryScope("private/source", ["pull"]),
    ]);
  });
});
