import { mkdtempSync } from "node:fs";
import { request } from "node:http";
import { join } from "node:path";
import { internal, notFound } from "@slipway/errors";
import type { imagestore } from "@slipway/proto";
import { encodeRegistryAuth } from "@slipway/registry-client";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { docker, DOCKER_CLI, requireDockerCli, runDockerCli } from "./support/docker-cli.js";
import { call } from "./support/http-client.js";
import { fail, failStream, type StubBackends } from "./support/stub-backends.js";
import { startStubEngine, type StubEngine } from "./support/stub-engine.js";

/**
 * Pull, push and login over a stub image store: the requests image-store is asked, and the HTTP answers and
 * JSON streams dockerd 20.10 gives for what it answers (the real registry path: cli-registry.test.ts).
 */
let engine: StubEngine;
let stubs: StubBackends;
let socketPath: string;

beforeAll(async () => {
  requireDockerCli();
  engine = await startStubEngine();
  ({ stubs, socketPath } = engine);
});
afterEach(() => stubs.reset());
afterAll(() => engine?.stop());

const LAYER = "f6c3edee5c1a";
const DIGEST = `sha256:${"ab".repeat(32)}`;
const layer = (status: string, counts: { current?: number; total?: number } = {}) => ({
  progress: { id: LAYER, status, current: counts.current ?? 0, total: counts.total ?? 0 },
});
const about = (status: string, id = "") => ({ progress: { id, status, current: 0, total: 0 } });
const PULL_STREAM = [
  about("Pulling from x", "1"),
  layer("Pulling fs layer"),
  layer("Downloading", { current: 32768, total: 1996800 }),
  layer("Verifying Checksum"),
  layer("Download complete"),
  layer("Extracting", { current: 1996800, total: 1996800 }),
  layer("Pull complete"),
  about(`Digest: ${DIGEST}`),
  about("Status: Downloaded newer image for 127.0.0.1:5000/x:1"),
];
const bar = (filled: number) => `[${"=".repeat(filled)}\\u003e${" ".repeat(50 - filled)}]`;
const PULL_LINES = [
  '{"status":"Pulling from x","id":"1"}',
  `{"status":"Pulling fs layer","progressDetail":{},"id":"${LAYER}"}`,
  `{"status":"Downloading","progressDetail":{"current":32768,"total":1996800},"progress":"${bar(0)}  32.77kB/1.997MB","id":"${LAYER}"}`,
  `{"status":"Verifying Checksum","progressDetail":{},"id":"${LAYER}"}`,
  `{"status":"Download complete","progressDetail":{},"id":"${LAYER}"}`,
  `{"status":"Extracting","progressDetail":{"current":1996800,"total":1996800},"progress":"${bar(50)}  1.997MB/1.997MB","id":"${LAYER}"}`,
  `{"status":"Pull complete","progressDetail":{},"id":"${LAYER}"}`,
  `{"status":"Digest: ${DIGEST}"}`,
  '{"status":"Status: Downloaded newer image for 127.0.0.1:5000/x:1"}',
];
/** What the CLI prints of PULL_STREAM when its output is not a terminal: no bar lines. */
const PULL_PRINTED =
  `1: Pulling from x\n${LAYER}: Pulling fs layer\n${LAYER}: Verifying Checksum\n${LAYER}: Download complete\n` +
  `${LAYER}: Pull complete\nDigest: ${DIGEST}\nStatus: Downloaded newer image for 127.0.0.1:5000/x:1\n`;
const CREDENTIALS = { username: "u", password: "p", serveraddress: "127.0.0.1:5000" };
const PROTO_CREDENTIALS = { username: "u", password: "p", identityToken: "", registryToken: "", serverAddress: "127.0.0.1:5000" };

const json = (text: string) => JSON.parse(text) as unknown;
const lines = (text: string) => text.split("\r\n").slice(0, -1);
const pull = (query: string, headers: Record<string, string> = {}, version = "1.41") =>
  call(socketPath, "POST", `/v${version}/images/create?${query}`, { headers });

/** Sets a PullImage stub that streams PULL_STREAM; returns the requests it was asked. */
function streamPulls(): imagestore.PullImageRequest[] {
  const seen: imagestore.PullImageRequest[] = [];
  stubs.imageStore.pullImage = async function* (req) {
    seen.push(req);
    yield* PULL_STREAM;
  };
  return seen;
}

describe("POST /images/create?fromImage= (pull)", () => {
  it("streams image-store's progress as dockerd's JSON lines, chunked, and asks for the reference, platform and credentials", async () => {
    const seen = streamPulls();
    const r = await pull("fromImage=127.0.0.1%3A5000%2Fx&tag=1&platform=linux%2Famd64", { "X-Registry-Auth": encodeRegistryAuth(CREDENTIALS) });
    expect(r.status).toBe(200);
    expect(r.headers).toMatchObject({ "content-type": "application/json", "transfer-encoding": "chunked" });
    expect(lines(r.text)).toEqual(PULL_LINES);
    expect(seen).toEqual([{ reference: "127.0.0.1:5000/x", tag: "1", platform: "linux/amd64", auth: PROTO_CREDENTIALS }]);
  });

  it("passes fromImage and tag as given: image-store reads them as dockerd does (a digest tag, a trailing ':')", async () => {
    const seen = streamPulls();
    for (const query of ["fromImage=docker.io%2Flibrary%2Falpine&tag=3.19", `fromImage=alpine%3A1&tag=${DIGEST}`, "fromImage=alpine%3A"]) {
      expect((await pull(query)).status).toBe(200);
    }
    expect(seen.map(({ reference, tag }) => [reference, tag])).toEqual([
      ["docker.io/library/alpine", "3.19"],
      ["alpine:1", DIGEST],
      ["alpine:", ""],
    ]);
  });

  it("pulls anonymously without credentials, whatever the header holds", async () => {
    const seen = streamPulls();
    for (const header of [undefined, "e30=", "not base64 json"])
      await pull("fromImage=x&tag=1", header === undefined ? {} : { "X-Registry-Auth": header });
    expect(seen.map((req) => req.auth)).toEqual([undefined, undefined, undefined]);
  });

  it("passes the platform from API 1.32 on, as dockerd reads it", async () => {
    const seen = streamPulls();
    await pull("fromImage=x&tag=1&platform=linux%2Farm64", {}, "1.31");
    await pull("fromImage=x&tag=1&platform=linux%2Farm64", {}, "1.32");
    expect(seen.map((req) => req.platform)).toEqual(["", "linux/arm64"]);
  });

  it("answers imports (fromSrc) with 501", async () => {
    const seen = streamPulls();
    const imported = await pull("fromSrc=-");
    expect(imported.status).toBe(501);
    expect((json(imported.text) as { message: string }).message).toMatch(/^POST \/images\/create is not implemented by Slipway for imports/);
    expect(seen).toEqual([]);
  });

  it.each([
    [
      "not_found",
      404,
      "pull access denied for x, repository does not exist or may require 'docker login': denied: requested access to the resource is denied",
    ],
    ["invalid_argument", 400, "invalid reference format: repository name must be lowercase"],
    ["internal", 500, 'Get "http://127.0.0.1:5000/v2/": dial tcp 127.0.0.1:5000: connect: connection refused'],
  ] as const)("answers a %s failure before the first line with HTTP %d and dockerd's JSON message", async (kind, status, message) => {
    stubs.imageStore.pullImage = failStream(kind, message);
    const r = await pull("fromImage=x&tag=1");
    expect(r.status).toBe(status);
    expect(r.headers["content-type"]).toBe("application/json");
    expect(r.text).toBe(`${JSON.stringify({ message })}\n`);
  });

  it("ends the stream with an errorDetail line for a failure after the first line, status 200", async () => {
    stubs.imageStore.pullImage = async function* () {
      yield about("Pulling from x", "1");
      throw internal("no matching manifest for linux/amd64 in the manifest list entries");
    };
    const r = await pull("fromImage=x&tag=1");
    expect(r.status).toBe(200);
    expect(lines(r.text)).toEqual([
      '{"status":"Pulling from x","id":"1"}',
      '{"errorDetail":{"message":"no matching manifest for linux/amd64 in the manifest list entries"},' +
        '"error":"no matching manifest for linux/amd64 in the manifest list entries"}',
    ]);
  });

  it("cancels the pull once the client has gone", async () => {
    let cancelled!: () => void;
    const wasCancelled = new Promise<void>((resolve) => (cancelled = resolve));
    stubs.imageStore.pullImage = async function* (_req, ctx) {
      ctx.signal.addEventListener("abort", () => cancelled());
      yield about("Pulling from x", "1");
      for (let current = 1; !ctx.signal.aborted; current++) {
        await new Promise((resolve) => setTimeout(resolve, 20));
        yield layer("Downloading", { current, total: 1_000_000 });
      }
    };
    const req = request({ socketPath, method: "POST", path: "/v1.41/images/create?fromImage=x&tag=1" }, (res) =>
      res.once("data", () => req.destroy()),
    );
    req.on("error", () => undefined).end();
    await wasCancelled;
  });
});

describe("POST /images/{name}/push", () => {
  const PUSH_STREAM = [
    about("The push refers to repository [127.0.0.1:5000/x]"),
    layer("Preparing"),
    layer("Pushing", { current: 512, total: 2048 }),
    layer("Pushed"),
    about(`1: digest: ${DIGEST} size: 528`),
  ];
  function streamPushes(): imagestore.PushImageRequest[] {
    const seen: imagestore.PushImageRequest[] = [];
    stubs.imageStore.pushImage = async function* (req) {
      seen.push(req);
      yield* PUSH_STREAM;
    };
    return seen;
  }
  const push = (path: string, options: { headers?: Record<string, string>; body?: string } = {}) =>
    call(socketPath, "POST", `/v1.41/images/${path}`, options);

  it("streams the push of the name and tag as one reference, with X-Registry-Auth's credentials", async () => {
    const seen = streamPushes();
    const r = await push("127.0.0.1:5000/x/push?tag=1", { headers: { "X-Registry-Auth": encodeRegistryAuth(CREDENTIALS) } });
    expect(r.status).toBe(200);
    expect(lines(r.text)).toEqual([
      '{"status":"The push refers to repository [127.0.0.1:5000/x]"}',
      `{"status":"Preparing","progressDetail":{},"id":"${LAYER}"}`,
      `{"status":"Pushing","progressDetail":{"current":512,"total":2048},"progress":"${bar(12)}     512B/2.048kB","id":"${LAYER}"}`,
      `{"status":"Pushed","progressDetail":{},"id":"${LAYER}"}`,
      `{"status":"1: digest: ${DIGEST} size: 528"}`,
    ]);
    expect(seen).toEqual([{ reference: "127.0.0.1:5000/x:1", auth: PROTO_CREDENTIALS }]);
  });

  it("takes the credentials from the body without X-Registry-Auth, and refuses a request with neither as dockerd does", async () => {
    const seen = streamPushes();
    expect((await push("127.0.0.1:5000/x/push", { body: JSON.stringify(CREDENTIALS) })).status).toBe(200);
    expect(seen).toEqual([{ reference: "127.0.0.1:5000/x", auth: PROTO_CREDENTIALS }]);
    const neither = await push("127.0.0.1:5000/x/push?tag=1");
    expect([neither.status, json(neither.text)]).toEqual([400, { message: "Bad parameters and missing X-Registry-Auth: EOF" }]);
    expect(seen).toHaveLength(1);
  });

  it("answers a malformed name or tag with dockerd's 500 (its push does not classify reference errors)", async () => {
    const seen = streamPushes();
    const headers = { "X-Registry-Auth": "e30=" };
    const badName = await push("Bad_Name/push?tag=1", { headers });
    expect([badName.status, json(badName.text)]).toEqual([500, { message: "invalid reference format: repository name must be lowercase" }]);
    const badTag = await push("127.0.0.1:5000/x/push?tag=bad:tag", { headers });
    expect([badTag.status, json(badTag.text)]).toEqual([500, { message: "invalid tag format" }]);
    expect(seen).toEqual([]);
  });

  it("ends each pushed tag with dockerd's aux line", async () => {
    stubs.imageStore.pushImage = async function* () {
      yield about(`1: digest: ${DIGEST} size: 528`);
      yield { progress: { id: "", status: "", current: 0, total: 0, pushResult: { tag: "1", digest: DIGEST, size: 528 } } };
    };
    const r = await push("127.0.0.1:5000/x/push?tag=1", { headers: { "X-Registry-Auth": "e30=" } });
    expect(lines(r.text)).toEqual([
      `{"status":"1: digest: ${DIGEST} size: 528"}`,
      `{"progressDetail":{},"aux":{"Tag":"1","Digest":"${DIGEST}","Size":528}}`,
    ]);
  });
});

describe("POST /auth", () => {
  const login = (body: object) =>
    call(socketPath, "POST", "/v1.41/auth", { body: JSON.stringify(body), headers: { "Content-Type": "application/json" } });

  it("answers dockerd's body, IdentityToken first, with the credentials it checked", async () => {
    let seen: unknown;
    stubs.imageStore.login = async (req) => ((seen = req), { status: "Login Succeeded", identityToken: "" });
    const r = await login(CREDENTIALS);
    expect(r.status).toBe(200);
    expect(r.headers["content-type"]).toBe("application/json");
    expect(r.text).toBe('{"IdentityToken":"","Status":"Login Succeeded"}\n');
    expect(seen).toEqual({ auth: PROTO_CREDENTIALS });
  });

  it("answers a body that is not JSON with dockerd's 500 and Go's words, without asking image-store", async () => {
    let asked = false;
    stubs.imageStore.login = async () => ((asked = true), { status: "Login Succeeded", identityToken: "" });
    const empty = await call(socketPath, "POST", "/v1.41/auth", { headers: { "Content-Type": "application/json" } });
    expect([empty.status, json(empty.text)]).toEqual([500, { message: "EOF" }]);
    const garbage = await call(socketPath, "POST", "/v1.41/auth", { body: "{bad", headers: { "Content-Type": "application/json" } });
    expect([garbage.status, json(garbage.text)]).toEqual([500, { message: "invalid character 'b' looking for beginning of object key string" }]);
    expect(asked).toBe(false);
  });

  it.each([
    ["unauthenticated", 401, 'Get "https://127.0.0.1:5001/v2/": unauthorized: authentication required'],
    ["internal", 500, "login attempt to http://127.0.0.1:5000/v2/ failed with status: 401 Unauthorized"],
  ] as const)("answers a refusal of kind %s with HTTP %d and the registry's words", async (kind, status, message) => {
    stubs.imageStore.login = fail(kind, message);
    const r = await login(CREDENTIALS);
    expect([r.status, json(r.text)]).toEqual([status, { message }]);
  });
});

describe("GET /info", () => {
  it("reports image-store's registry settings as IndexServerAddress and RegistryConfig", async () => {
    const registryConfig = {
      AllowNondistributableArtifactsCIDRs: [],
      AllowNondistributableArtifactsHostnames: [],
      InsecureRegistryCIDRs: ["127.0.0.0/8"],
      IndexConfigs: { "docker.io": { Name: "docker.io", Mirrors: [], Secure: true, Official: true } },
      Mirrors: [],
    };
    stubs.imageStore.getRegistryConfig = async () => ({
      registryConfigJson: Buffer.from(JSON.stringify(registryConfig)),
      indexServerAddress: "https://index.docker.io/v1/",
    });
    const info = json((await call(socketPath, "GET", "/v1.41/info")).text) as Record<string, unknown>;
    expect(info).toMatchObject({ IndexServerAddress: "https://index.docker.io/v1/", RegistryConfig: registryConfig });
    expect((await docker(socketPath, ["info"])).stdout).toContain(" Insecure Registries:\n  127.0.0.0/8\n");
  });
});

describe("the stock docker CLI", () => {
  it("docker pull prints dockerd's lines without the bars, then the reference", async () => {
    streamPulls();
    expect(await docker(socketPath, ["pull", "127.0.0.1:5000/x:1"])).toMatchObject({ code: 0, stdout: `${PULL_PRINTED}127.0.0.1:5000/x:1\n` });
  });

  it("docker create of a missing image pulls it, then creates; --pull=never does not pull, --pull=always always does", async () => {
    const pulls = streamPulls();
    let creates = 0;
    stubs.orchestrator.createContainer = async () => {
      if (++creates === 1) throw notFound("No such image: 127.0.0.1:5000/x:1");
      return { id: "c".repeat(64), warnings: [] };
    };
    const missing = await docker(socketPath, ["create", "127.0.0.1:5000/x:1"]);
    expect(missing).toMatchObject({
      code: 0,
      stdout: `${"c".repeat(64)}\n`,
      stderr: `Unable to find image '127.0.0.1:5000/x:1' locally\n${PULL_PRINTED}`,
    });
    expect([pulls.length, creates]).toEqual([1, 2]);

    stubs.orchestrator.createContainer = fail("not_found", "No such image: 127.0.0.1:5000/x:1");
    const never = await docker(socketPath, ["create", "--pull=never", "127.0.0.1:5000/x:1"]);
    expect(never).toMatchObject({ code: 1, stderr: "Error response from daemon: No such image: 127.0.0.1:5000/x:1\n" });
    expect(pulls).toHaveLength(1);

    stubs.orchestrator.createContainer = async () => ({ id: "d".repeat(64), warnings: [] });
    const always = await docker(socketPath, ["create", "--pull=always", "127.0.0.1:5000/x:1"]);
    expect(always).toMatchObject({ code: 0, stdout: `${"d".repeat(64)}\n`, stderr: PULL_PRINTED });
    expect(pulls).toHaveLength(2);
  });

  it("docker login sends the credentials to /auth and stores them for docker push, which sends them back", async () => {
    const config = mkdtempSync(join(engine.dir, "docker-config-"));
    const cli = (args: string[], stdin?: string) =>
      runDockerCli(DOCKER_CLI, ["--config", config, "-H", `unix://${socketPath}`, ...args], stdin === undefined ? undefined : Buffer.from(stdin));
    const logins: unknown[] = [];
    stubs.imageStore.login = async (req) => (logins.push(req), { status: "Login Succeeded", identityToken: "" });
    const loggedIn = await cli(["login", "-u", "u", "--password-stdin", "127.0.0.1:5000"], "p\n");
    expect(loggedIn).toMatchObject({ code: 0, stdout: "Login Succeeded\n" });
    expect(logins).toEqual([{ auth: PROTO_CREDENTIALS }]);

    const pushes: imagestore.PushImageRequest[] = [];
    stubs.imageStore.pushImage = async function* (req) {
      pushes.push(req);
      yield about("The push refers to repository [127.0.0.1:5000/x]");
      yield layer("Pushed");
      yield about(`1: digest: ${DIGEST} size: 528`);
    };
    const pushed = await cli(["push", "127.0.0.1:5000/x:1"]);
    expect(pushed).toMatchObject({
      code: 0,
      stdout: `The push refers to repository [127.0.0.1:5000/x]\n${LAYER}: Pushed\n1: digest: ${DIGEST} size: 528\n`,
    });
    expect(pushes).toEqual([{ reference: "127.0.0.1:5000/x:1", auth: { ...PROTO_CREDENTIALS, serverAddress: "127.0.0.1:5000" } }]);

    stubs.imageStore.login = fail("unauthenticated", 'Get "http://127.0.0.1:5000/v2/": unauthorized: authentication required');
    const refused = await cli(["login", "-u", "u", "--password-stdin", "127.0.0.1:5000"], "wrong\n");
    expect(refused).toMatchObject({
      code: 1,
      stderr: expect.stringContaining('Error response from daemon: Get "http://127.0.0.1:5000/v2/": unauthorized: authentication required'),
    });
  });
});
