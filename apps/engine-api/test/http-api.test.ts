import { request } from "node:http";
import { join } from "node:path";
import { invalidArgument, notFound, unavailable } from "@slipway/errors";
import { createLogger } from "@slipway/grpc-kit";
import type { imagestore } from "@slipway/proto";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { createEngineApi } from "../src/app.js";
import { createEngineApiServer } from "../src/http/server.js";
import { docker, requireDockerCli } from "./support/docker-cli.js";
import { call, exchangeOnOneConnection } from "./support/http-client.js";
import { fail, type StubBackends } from "./support/stub-backends.js";
import { DATA_ROOT, startStubEngine, type StubEngine } from "./support/stub-engine.js";

let engine: StubEngine;
let stubs: StubBackends;
let dir: string;
let socketPath: string;

beforeAll(async () => {
  requireDockerCli();
  engine = await startStubEngine();
  ({ stubs, dir, socketPath } = engine);
});
let listVersions = 0;
// A new list version per test, so that no test is answered a list body kept by another.
beforeEach(() => {
  const listVersion = `test-${++listVersions}`;
  stubs.orchestrator.getListVersion = async () => ({ listVersion });
});
afterEach(() => stubs.reset());
afterAll(() => engine?.stop());

const get = (path: string) => call(socketPath, "GET", path);
const json = (text: string) => JSON.parse(text) as unknown;

describe("/_ping and versions", () => {
  it("answers GET with OK and the negotiation headers", async () => {
    const r = await get("/_ping");
    expect(r).toMatchObject({ status: 200, text: "OK" });
    expect(r.headers).toMatchObject({ "api-version": "1.41", ostype: "linux", "docker-experimental": "false" });
  });
  it("answers HEAD without a body", async () => {
    const r = await call(socketPath, "HEAD", "/_ping");
    expect(r).toMatchObject({ status: 200, text: "" });
    expect(r.headers["api-version"]).toBe("1.41");
  });
  it("serves versioned paths and rejects versions above 1.41 like dockerd", async () => {
    expect((await get("/v1.41/_ping")).status).toBe(200);
    const tooNew = await get("/v1.99/_ping");
    expect(tooNew.status).toBe(400);
    expect(json(tooNew.text)).toEqual({ message: "client version 1.99 is too new. Maximum supported API version is 1.41" });
  });
  it("answers a wrong method on a fixed path with dockerd's 404", async () => {
    const r = await call(socketPath, "POST", "/_ping");
    expect(r.status).toBe(404);
    expect(r.text).toBe('{"message":"page not found"}\n');
  });
  it("keeps the connection open: ping, then requests on the same socket, as the CLI sends them", async () => {
    stubs.orchestrator.listContainersJson = async function* () {
      yield { chunk: Buffer.from("[]") };
    };
    const [ping, version, list] = await exchangeOnOneConnection(socketPath, [
      "HEAD /_ping HTTP/1.1\r\nHost: api.moby.localhost\r\n\r\n",
      "GET /v1.41/version HTTP/1.1\r\nHost: api.moby.localhost\r\n\r\n",
      "GET /v1.41/containers/json HTTP/1.1\r\nHost: api.moby.localhost\r\n\r\n",
    ]);
    expect(ping).toMatch(/^HTTP\/1\.1 200 OK\r\n[^]*Api-Version: 1\.41\r\n[^]*\r\n\r\n$/);
    expect(version).toMatch(/^HTTP\/1\.1 200 OK\r\n[^]*"ApiVersion":"1\.41"/);
    expect(list).toMatch(/^HTTP\/1\.1 200 OK\r\n[^]*\r\n\r\n\[\]\n$/);
  });
  it("keeps an idle connection open past Node's 5 s default, as dockerd does, and says for how long", async () => {
    const ping = "HEAD /_ping HTTP/1.1\r\nHost: api.moby.localhost\r\n\r\n";
    const [first, second] = await exchangeOnOneConnection(socketPath, [ping, ping], 6_000);
    expect(first).toMatch(/\r\nKeep-Alive: timeout=120\r\n/);
    expect(second).toMatch(/^HTTP\/1\.1 200 OK\r\n/);
  }, 15_000);
});

describe("errors", () => {
  it.each([
    ["invalid_argument", 400],
    ["not_found", 404],
    ["already_exists", 409],
    ["failed_precondition", 409],
    ["unavailable", 503],
    ["internal", 500],
    ["unimplemented", 501],
  ] as const)("a store error of kind %s is HTTP %d with its message", async (kind, status) => {
    stubs.orchestrator.inspectContainer = fail(kind, `the ${kind} message`);
    const r = await get("/v1.41/containers/demo/json");
    expect(r.status).toBe(status);
    expect(r.headers["content-type"]).toBe("application/json");
    // The server's own message, UNAVAILABLE's too (a server that answers names the service that failed).
    expect(json(r.text)).toEqual({ message: `the ${kind} message` });
  });
  it.each([
    ["deadline_exceeded", "^orchestrator at \\S+ did not answer in time \\(deadline exceeded\\)$"],
    ["cancelled", "^call to orchestrator was cancelled: the cancelled message$"],
  ] as const)("a store call that ends with %s is HTTP 500, as dockerd answers a timeout", async (kind, wording) => {
    stubs.orchestrator.inspectContainer = fail(kind, `the ${kind} message`);
    const r = await get("/v1.41/containers/demo/json");
    expect(r.status).toBe(500);
    expect((json(r.text) as { message: string }).message).toMatch(new RegExp(wording));
  });
  it("shows people one line: Node's error codes in words, no data-root path", async () => {
    stubs.orchestrator.inspectContainer = fail(
      "internal",
      `ENOENT: no such file or directory, open '${DATA_ROOT}/containers/abc/config.v2.json'\nat line 2`,
    );
    const r = await get("/v1.41/containers/abc/json");
    expect(r.status).toBe(500);
    expect(json(r.text)).toEqual({ message: "no such file or directory, open '<data root>/containers/abc/config.v2.json'; at line 2" });
  });
  it("answers endpoints Slipway does not implement with 501 and says where the rest happens", async () => {
    const r = await call(socketPath, "POST", "/v1.41/containers/demo/stop");
    expect(r.status).toBe(501);
    expect(r.headers["content-type"]).toBe("application/json");
    expect((json(r.text) as { message: string }).message).toMatch(/^POST \/containers\/demo\/stop is not implemented by Slipway\. .*stock dockerd/);
  });
  it("answers 501, not a wrong-method 404, for paths only an image-name pattern matches", async () => {
    expect((await get("/v1.41/images/search?term=golden")).status).toBe(501);
    expect((await call(socketPath, "POST", "/v1.41/images/prune")).status).toBe(501);
  });
  it("says which service is down when a store cannot be reached", async () => {
    const nowhere = `unix:${join(dir, "nothing-here.sock")}`;
    const down = createEngineApi({ orchestrator: nowhere, imageStore: nowhere, dataRoot: DATA_ROOT });
    const downServer = createEngineApiServer(down.routes, createLogger("engine-api", "silent"));
    const downSocket = join(dir, "down.sock");
    await new Promise<void>((resolve) => downServer.listen(downSocket, resolve));
    try {
      const r = await call(downSocket, "GET", "/v1.41/images/json");
      expect(r.status).toBe(503);
      // One line for people: no grpc-js details, no Node error code.
      expect(json(r.text)).toEqual({ message: `image-store is unavailable at ${nowhere}: nothing is listening there (is it running?)` });
    } finally {
      await new Promise((resolve) => downServer.close(resolve));
      down.close();
    }
  });
});

describe("containers", () => {
  const body = '{"Image":"golden:1","Tty":true,"HostConfig":{"NetworkMode":"default"}}\n';

  it("passes the create body through byte for byte with the name, API version and platform; answers 201", async () => {
    let seen: unknown;
    stubs.orchestrator.createContainer = async (req) => ((seen = req), { id: "a".repeat(64), warnings: [] });
    const create = (path: string) => call(socketPath, "POST", path, { body, headers: { "Content-Type": "application/json" } });
    const r = await create("/v1.41/containers/create?name=demo&platform=linux%2Farm64");
    expect(r.status).toBe(201);
    expect(r.text).toBe(`{"Id":"${"a".repeat(64)}","Warnings":[]}\n`);
    expect(seen).toEqual({ name: "demo", createRequestJson: Buffer.from(body), apiVersion: "1.41", platform: "linux/arm64" });
    // dockerd reads the platform from API 1.41 on.
    expect((await create("/v1.40/containers/create?name=demo&platform=linux%2Farm64")).status).toBe(201);
    expect(seen).toEqual({ name: "demo", createRequestJson: Buffer.from(body), apiVersion: "1.40", platform: "" });
  });
  it("refuses a create body over 16 MiB with 413 and dockerd's JSON message, without calling the orchestrator", async () => {
    let called = false;
    stubs.orchestrator.createContainer = async () => ((called = true), { id: "a".repeat(64), warnings: [] });
    const big = Buffer.alloc(16 * 1024 * 1024 + 1, 0x20);
    const message = { message: "request body exceeds the 16 MiB limit for POST /containers/create" };
    // Declared by Content-Length: refused before the body is read (the rest is read and dropped).
    const declared = await call(socketPath, "POST", "/v1.41/containers/create?name=big", {
      body: big,
      headers: { "Content-Type": "application/json" },
    });
    expect([declared.status, json(declared.text), declared.headers["content-type"]]).toEqual([413, message, "application/json"]);
    // Chunked: refused once the bytes pass the limit.
    const chunked = await new Promise<{ status: number; text: string }>((resolve, reject) => {
      const req = request(
        {
          socketPath,
          method: "POST",
          path: "/v1.41/containers/create",
          headers: { "Content-Type": "application/json", "Transfer-Encoding": "chunked" },
        },
        (res) => {
          let text = "";
          res.on("data", (d: Buffer) => (text += d));
          res.on("end", () => resolve({ status: res.statusCode!, text }));
        },
      );
      req.once("error", reject);
      for (let i = 0; i < 17; i++) req.write(Buffer.alloc(1024 * 1024, 0x20));
      req.end();
    });
    expect([chunked.status, json(chunked.text)]).toEqual([413, message]);
    expect(called).toBe(false);
    // The connection and the server are fine afterwards.
    expect((await get("/_ping")).status).toBe(200);
  });
  it("refuses a body that is not declared JSON, as dockerd does, without calling the orchestrator", async () => {
    const r = await call(socketPath, "POST", "/v1.41/containers/create", { body, headers: { "Content-Type": "text/plain" } });
    expect(r.status).toBe(400);
    expect(json(r.text)).toEqual({ message: "Content-Type specified (text/plain) must be 'application/json'" });
  });
  it("lists with the CLI's filters, streaming container-config's chunks through byte for byte", async () => {
    let seen: unknown;
    const rows = [`[{"Id":"${"c".repeat(64)}","Names":["/demo"],"Image":"golden:1"}`, `,{"Id":"${"d".repeat(64)}"}]`];
    stubs.orchestrator.listContainersJson = async function* (req) {
      seen = req;
      for (const chunk of rows) yield { chunk: Buffer.from(chunk) };
    };
    const filters = encodeURIComponent('{"name":{"demo":true},"status":{"created":true}}');
    const r = await get(`/v1.41/containers/json?all=1&limit=-1&filters=${filters}`);
    expect(seen).toEqual({ query: { all: true, limit: 0, filters: { name: { values: ["demo"] }, status: { values: ["created"] } } }, size: false });
    expect(r.status).toBe(200);
    expect(r.headers["transfer-encoding"]).toBe("chunked");
    expect(r.text).toBe(`${rows.join("")}\n`);
  });
  it("asks for the sizes with size=1 (docker ps -s), every time: sizes change without the list version", async () => {
    const seen: unknown[] = [];
    stubs.orchestrator.getListVersion = async () => ({ listVersion: "v1" });
    stubs.orchestrator.listContainersJson = async function* (req) {
      seen.push(req.size);
      yield { chunk: Buffer.from(`[{"Id":"${seen.length}"}]`) };
    };
    expect((await get("/v1.41/containers/json?size=1")).text).toBe('[{"Id":"1"}]\n');
    expect((await get("/v1.41/containers/json?size=1")).text).toBe('[{"Id":"2"}]\n');
    expect(seen).toEqual([true, true]);
  });

  it("answers an unchanged list from the body it kept, and streams again once the list version changes", async () => {
    let streams = 0;
    let listVersion = "v1";
    stubs.orchestrator.getListVersion = async () => ({ listVersion });
    stubs.orchestrator.listContainersJson = async function* () {
      streams++;
      yield { chunk: Buffer.from(`[{"Id":"${streams}"}`) };
      yield { chunk: Buffer.from("]") };
    };
    const first = await get("/v1.41/containers/json?all=1");
    const again = await get("/v1.41/containers/json?all=1");
    expect([first.text, again.text, streams]).toEqual(['[{"Id":"1"}]\n', '[{"Id":"1"}]\n', 1]);
    expect(again.headers["content-length"]).toBe(String(again.text.length));
    expect((await get("/v1.41/containers/json?all=1&limit=1")).text).toBe('[{"Id":"2"}]\n');
    listVersion = "v2";
    expect((await get("/v1.41/containers/json?all=1")).text).toBe('[{"Id":"3"}]\n');
    expect(streams).toBe(3);
  });
  it("keeps no list that failed: the next request streams again", async () => {
    stubs.orchestrator.getListVersion = async () => ({ listVersion: "fixed" });
    stubs.orchestrator.listContainersJson = async function* () {
      yield { chunk: Buffer.from('[{"Id":"x"}') };
      yield { chunk: Buffer.from(',{"Id":"y"}') };
      throw unavailable("container-config went away");
    };
    await expect(get("/v1.41/containers/json?all=1")).rejects.toThrow();
    stubs.orchestrator.listContainersJson = async function* () {
      yield { chunk: Buffer.from("[]") };
    };
    expect((await get("/v1.41/containers/json?all=1")).text).toBe("[]\n");
  });
  it("answers a list that fails before its body is under way with the store's error and status", async () => {
    stubs.orchestrator.listContainersJson = async function* () {
      yield { chunk: Buffer.from('[{"Id":"x"}') };
      throw invalidArgument("invalid filter 'colour'");
    };
    const r = await get("/v1.41/containers/json?all=1");
    expect(r.status).toBe(400);
    expect(json(r.text)).toEqual({ message: "invalid filter 'colour'" });
  });
  it("cuts the connection when a list fails once its body is under way, so no client takes a partial list for a whole one", async () => {
    stubs.orchestrator.listContainersJson = async function* () {
      yield { chunk: Buffer.from('[{"Id":"x"}') };
      yield { chunk: Buffer.from(',{"Id":"y"}') };
      throw unavailable("container-config went away");
    };
    await expect(get("/v1.41/containers/json?all=1")).rejects.toThrow();
  });
  it("rejects malformed filters with a clear 400", async () => {
    const r = await get(`/v1.41/containers/json?filters=${encodeURIComponent("{bad")}`);
    expect(r.status).toBe(400);
    expect(r.text).toMatch(/filters is not valid JSON/);
  });
  it("passes the inspect document through unchanged", async () => {
    const doc = '{"Id":"x","State":{"Status":"created"},"Unknown":null}';
    stubs.orchestrator.inspectContainer = async (req) => ({ inspectJson: Buffer.from(req.idOrName === "demo" ? doc : "{}") });
    expect((await get("/v1.41/containers/demo/json")).text).toBe(`${doc}\n`);
  });
  it("removes with v and force and answers 204 without body, Content-Type or Content-Length", async () => {
    let seen: unknown;
    stubs.orchestrator.removeContainer = async (req) => ((seen = req), {});
    const r = await call(socketPath, "DELETE", "/v1.41/containers/demo?v=1");
    expect(r.status).toBe(204);
    expect(r.text).toBe("");
    expect(r.headers["content-type"]).toBeUndefined();
    expect(r.headers["content-length"]).toBeUndefined();
    expect(seen).toEqual({ idOrName: "demo", removeVolumes: true, force: false });
  });
});

describe("images", () => {
  it("routes names with '/' and ':' unescaped, and wraps not-found like dockerd's inspect", async () => {
    const seen: string[] = [];
    stubs.imageStore.getImage = async ({ reference }) => {
      seen.push(reference);
      if (reference === "nosuch:1") throw notFound("No such image: nosuch:1");
      return { inspectJson: Buffer.from('{"Id":"sha256:69"}') };
    };
    expect((await get("/v1.41/images/docker.io/library/golden:1/json")).text).toBe('{"Id":"sha256:69"}\n');
    const missing = await get("/v1.41/images/nosuch:1/json");
    expect(missing.status).toBe(404);
    expect(json(missing.text)).toEqual({ message: "no such image: nosuch:1: No such image: nosuch:1" });
    expect(seen).toEqual(["docker.io/library/golden:1", "nosuch:1"]);
  });
  it("lists with dockerd 20.10's keys, nulls and <none> markers", async () => {
    const base = { parentId: "", created: 1795847846, size: 1982308, containers: -1, sharedSize: -1, layers: [], repoDigests: [] as string[] };
    stubs.imageStore.listImages = async (): Promise<imagestore.ListImagesResponse> => ({
      images: [
        { ...base, id: "sha256:69", repoTags: ["golden:1"], labels: { "org.example.name": "golden" } },
        { ...base, id: "sha256:70", repoTags: [], labels: {} },
      ],
    });
    const rows = json((await get("/v1.41/images/json")).text) as Record<string, unknown>[];
    expect(rows[0]).toEqual({
      Containers: -1,
      Created: 1795847846,
      Id: "sha256:69",
      Labels: { "org.example.name": "golden" },
      ParentId: "",
      RepoDigests: null,
      RepoTags: ["golden:1"],
      SharedSize: -1,
      Size: 1982308,
      VirtualSize: 1982308,
    });
    expect(rows[1]).toMatchObject({ Labels: null, RepoTags: ["<none>:<none>"], RepoDigests: ["<none>@<none>"] });
  });
  it("tags with the CLI's fully qualified target and answers 201 with an empty body and no Content-Type", async () => {
    let seen: unknown;
    stubs.imageStore.tagImage = async (req) => ((seen = req), {});
    const r = await call(socketPath, "POST", "/v1.41/images/golden:1/tag?repo=docker.io%2Flibrary%2Fgolden&tag=2", {
      headers: { "Content-Length": "0" },
    });
    expect(r).toMatchObject({ status: 201, text: "" });
    expect(r.headers["content-type"]).toBeUndefined();
    expect(r.headers["content-length"]).toBe("0");
    expect(seen).toEqual({ source: "golden:1", target: "docker.io/library/golden", tag: "2" });
  });
  it("removes and lists what was untagged and deleted, in order", async () => {
    stubs.imageStore.removeImage = async () => ({ items: [{ untagged: "golden:1" }, { deleted: "sha256:69" }, { deleted: "sha256:96" }] });
    const r = await call(socketPath, "DELETE", "/v1.41/images/golden:1");
    expect(r.status).toBe(200);
    expect(r.text).toBe('[{"Untagged":"golden:1"},{"Deleted":"sha256:69"},{"Deleted":"sha256:96"}]\n');
  });
  it("saves as an application/x-tar stream, and answers 404 before any byte for an unknown name", async () => {
    stubs.imageStore.saveImages = async function* ({ references }) {
      if (references.includes("nosuch:1")) throw notFound("reference does not exist");
      for (const ref of references) yield { chunk: Buffer.from(`<${ref}>`) };
    };
    const ok = await get("/v1.41/images/get?names=golden%3A1&names=bb%3Alatest");
    expect(ok).toMatchObject({ status: 200, text: "<golden:1><bb:latest>" });
    expect(ok.headers["content-type"]).toBe("application/x-tar");
    expect((await get("/v1.41/images/golden:1/get")).text).toBe("<golden:1>");
    const missing = await get("/v1.41/images/get?names=nosuch%3A1");
    expect(missing.status).toBe(404);
    expect(json(missing.text)).toEqual({ message: "reference does not exist" });
  });
});

describe("POST /images/load", () => {
  const progress = (current: number): imagestore.LoadImagesResponse => ({ progress: { digest: "sha256:f6c3edee5c1aef56", current, total: 6 } });

  it("streams the chunked body into LoadImages as it arrives (never buffered) and the progress back", async () => {
    // The store answers each chunk with progress; the client sends its second chunk only after seeing the
    // first answer. Were the body buffered until its end, this would never complete.
    stubs.imageStore.loadImages = async function* (requests) {
      let received = 0;
      for await (const { chunk } of requests) yield progress((received += chunk.length));
      yield { notice: "The image golden:1 already exists, renaming the old one with ID sha256:10 to empty string" };
      yield { loaded: { imageId: "sha256:69", repoTags: ["golden:1"], message: "Loaded image: golden:1" } };
    };
    const lines: string[] = [];
    const done = new Promise<{ status: number; type: string | undefined }>((resolve, reject) => {
      const req = request(
        {
          socketPath,
          method: "POST",
          path: "/v1.41/images/load?quiet=0",
          headers: { "Content-Type": "application/x-tar", "Transfer-Encoding": "chunked" },
        },
        (res) => {
          res.setEncoding("utf8");
          res.on("data", (text: string) => {
            lines.push(...text.split("\r\n").filter(Boolean));
            if (lines.length === 1) req.end("def");
          });
          res.on("end", () => resolve({ status: res.statusCode!, type: res.headers["content-type"] }));
        },
      );
      req.once("error", reject);
      req.write("abc");
    });
    expect(await done).toEqual({ status: 200, type: "application/json" });
    expect(lines.map((l) => json(l))).toEqual([
      {
        status: "Loading layer",
        progressDetail: { current: 3, total: 6 },
        progress: expect.stringMatching(/^\[=+>\s+\]\s+3B\/6B$/),
        id: "f6c3edee5c1a",
      },
      {
        status: "Loading layer",
        progressDetail: { current: 6, total: 6 },
        progress: expect.stringMatching(/^\[=+>\]\s+6B\/6B$/),
        id: "f6c3edee5c1a",
      },
      { stream: "The image golden:1 already exists, renaming the old one with ID sha256:10 to empty string\n" },
      { stream: "Loaded image: golden:1\n" },
    ]);
  });
  it("cancels LoadImages when the client goes away mid-upload, so the store keeps nothing", async () => {
    let firstChunk!: () => void;
    const chunkArrived = new Promise<void>((resolve) => (firstChunk = resolve));
    const cancelled = new Promise<void>((resolve) => {
      // eslint-disable-next-line require-yield -- the stub answers nothing: it waits for the cancellation
      stubs.imageStore.loadImages = async function* (requests, ctx) {
        const aborted = new Promise<void>((abort) => ctx.signal.addEventListener("abort", () => abort()));
        try {
          for await (const _ of requests) firstChunk();
        } catch {
          // The cut request stream fails here, as it should (over HTTP/2 it may also end first).
        }
        // Were the cut-off body passed on as a whole archive, no abort would come (and the test would time out).
        await aborted;
        resolve();
      };
    });
    const req = request({ socketPath, method: "POST", path: "/v1.41/images/load?quiet=1", headers: { "Transfer-Encoding": "chunked" } });
    req.on("error", () => undefined);
    req.write("part of an archive");
    await chunkArrived;
    req.destroy();
    await cancelled;
  });
  it("does not cap load bodies: a 40 MiB archive streams through", async () => {
    let received = 0;
    stubs.imageStore.loadImages = async function* (requests) {
      for await (const { chunk } of requests) received += chunk.length;
      yield { loaded: { imageId: "sha256:69", repoTags: ["big:1"], message: "Loaded image: big:1" } };
    };
    const body = Buffer.alloc(40 * 1024 * 1024);
    const r = await call(socketPath, "POST", "/v1.41/images/load?quiet=1", { body, headers: { "Content-Type": "application/x-tar" } });
    expect(r.status).toBe(200);
    expect(r.text).toBe('{"stream":"Loaded image: big:1\\n"}\r\n');
    expect(received).toBe(body.length);
  });
  it("leaves progress out when quiet, and reports a failure as the stream's last line with status 200", async () => {
    stubs.imageStore.loadImages = async function* (requests) {
      for await (const _ of requests) yield progress(6);
      throw invalidArgument("archive has no manifest.json");
    };
    const r = await call(socketPath, "POST", "/v1.41/images/load?quiet=1", { body: "garbage", headers: { "Content-Type": "application/x-tar" } });
    expect(r.status).toBe(200);
    expect(r.headers["content-type"]).toBe("application/json");
    expect(r.text).toBe('{"errorDetail":{"message":"archive has no manifest.json"},"error":"archive has no manifest.json"}\r\n');
  });
});

describe("the stock docker CLI against the HTTP layer", () => {
  it("docker inspect nosuch falls through every lookup to 'No such object'", async () => {
    stubs.orchestrator.inspectContainer = fail("not_found", "No such container: nosuch");
    stubs.imageStore.getImage = fail("not_found", "No such image: nosuch:latest");
    stubs.orchestrator.inspectVolume = fail("not_found", "get nosuch: no such volume");
    stubs.orchestrator.listContainers = async () => ({ containers: [] });
    stubs.imageStore.listImages = async () => ({ images: [] });
    const r = await docker(socketPath, ["inspect", "nosuch"]);
    expect(r).toMatchObject({ code: 1, stderr: "Error: No such object: nosuch\n" });
  });
  it("docker info prints the data root, the driver and the counts, and warns about a count it could not get", async () => {
    stubs.orchestrator.listContainers = async () => ({ containers: [] });
    stubs.imageStore.listImages = fail("internal", "imagedb is unreadable");
    const r = await docker(socketPath, ["info"]);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain(` Docker Root Dir: ${DATA_ROOT}\n`);
    expect(r.stdout).toContain(" Storage Driver: overlay2\n");
    expect(r.stdout).toMatch(/ Containers: 0\n[^]* Images: 0\n/);
    expect(r.stderr).toContain("WARNING: image count unknown: imagedb is unreadable");
  });
  it("docker load -q reads the streamed answer", async () => {
    stubs.imageStore.loadImages = async function* (requests) {
      for await (const _ of requests) void _;
      yield { loaded: { imageId: "sha256:69", repoTags: ["golden:1"], message: "Loaded image: golden:1" } };
    };
    const r = await docker(socketPath, ["load", "-q"], Buffer.alloc(4096));
    expect(r).toMatchObject({ code: 0, stdout: "Loaded image: golden:1\n" });
  });
});
