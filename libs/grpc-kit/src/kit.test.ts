import { status } from "@grpc/grpc-js";
import { imagestore, layerstore } from "@slipway/proto";
import { pino } from "pino";
import { mkdtempSync, rmSync } from "node:fs";
import { connect, type Settings } from "node:http2";
import { connect as connectSocket } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Writable } from "node:stream";
import { afterAll, afterEach, describe, expect, it } from "vitest";
import { CONSTRUCTOR_OF_KIND, notFound, SlipwayError, unavailable } from "@slipway/errors";
import {
  checkHealth,
  ConfigError,
  createClient,
  InProcessRegistry,
  listReflectedServices,
  service,
  SERVER_STREAM_WINDOW,
  startService,
  unimplementedHandlers,
  untilReady,
  type RunningService,
  type ServerMiddleware,
} from "./index.js";

const LAYER = { chainId: "sha256:aa", diffId: "sha256:bb", parentChainId: "", cacheId: "c", size: 1, referenceCount: 1, depth: 1 };

function captureLogger(level = "debug") {
  const lines: any[] = [];
  const sink = new Writable({ write: (chunk, _e, cb) => (lines.push(JSON.parse(String(chunk))), cb()) });
  return { logger: pino({ level }, sink), lines };
}

const running: RunningService[] = [];
afterEach(async () => {
  await Promise.all(running.splice(0).map((r) => r.shutdown()));
});

/** A unix socket address in a fresh temp directory (removed after the file's tests). */
const socketDirs: string[] = [];
function tempSocket(name = "test-store"): string {
  const dir = mkdtempSync(join(tmpdir(), "slipway-"));
  socketDirs.push(dir);
  return `unix:${join(dir, `${name}.sock`)}`;
}
afterAll(() => socketDirs.splice(0).forEach((dir) => rmSync(dir, { recursive: true, force: true })));

type LayerStoreHandlers = Parameters<typeof service<typeof layerstore.LayerStoreServiceService>>[1];

/** A layer-store stand-in and its client; with `inProcess`, both join that registry. */
async function startLayerStore(
  overrides: Partial<LayerStoreHandlers> = {},
  options: { inProcess?: InProcessRegistry; middleware?: ServerMiddleware[]; logLevel?: string } = {},
) {
  const { inProcess, middleware } = options;
  const { logger, lines } = captureLogger(options.logLevel);
  const handlers = { ...unimplementedHandlers(layerstore.LayerStoreServiceService, "test-store"), ...overrides };
  const server = await startService({
    name: "test-store",
    bind: tempSocket(),
    logger,
    services: [service(layerstore.LayerStoreServiceService, handlers, { middleware })],
    drainTimeoutMs: 2_000,
    inProcess,
  });
  running.push(server);
  const client = createClient(layerstore.LayerStoreServiceService, server.address, { name: "test-store", inProcess });
  return { server, client, lines };
}

describe("health", () => {
  it("is NOT_SERVING until the app says ready, then SERVING, and NOT_SERVING again on shutdown", async () => {
    const { server } = await startLayerStore();
    expect(await checkHealth(server.address)).toBe("NOT_SERVING");
    expect(await checkHealth(server.address, "slipway.layerstore.v1.LayerStoreService")).toBe("NOT_SERVING");
    server.setServing();
    expect(await checkHealth(server.address)).toBe("SERVING");
    expect(await checkHealth(server.address, "slipway.layerstore.v1.LayerStoreService")).toBe("SERVING");
    server.setNotServing();
    expect(await checkHealth(server.address)).toBe("NOT_SERVING");
  });
});

describe("flow control", () => {
  it("offers every client stream an 8 MiB HTTP/2 receive window, so uploads do not stall every 64 KiB", async () => {
    const { server } = await startLayerStore();
    const socketPath = server.address.slice("unix:".length);
    const session = connect("http://localhost", { createConnection: () => connectSocket(socketPath) });
    try {
      const settings = await new Promise<Settings>((resolve, reject) => session.once("remoteSettings", resolve).once("error", reject));
      expect(settings.initialWindowSize).toBe(SERVER_STREAM_WINDOW);
    } finally {
      session.close();
    }
  });
});

describe("reflection", () => {
  it("lists every Slipway service and grpc.health.v1.Health", async () => {
    const { server } = await startLayerStore();
    const names = await listReflectedServices(server.address);
    expect(names).toEqual(
      expect.arrayContaining([
        "slipway.layerstore.v1.LayerStoreService",
        "slipway.imagestore.v1.ImageStoreService",
        "slipway.containerconfig.v1.ContainerConfigService",
        "slipway.orchestrator.v1.OrchestratorService",
        "grpc.health.v1.Health",
      ]),
    );
  });
});

// Every call below runs over the network and, as npm start's one process makes them, in-process.
describe.each([
  ["over the network", false],
  ["in-process", true],
])("%s", (_mode, local) => {
  const inProcess = local ? new InProcessRegistry() : undefined;
  const start = (overrides: Partial<LayerStoreHandlers> = {}, middleware?: ServerMiddleware[]) =>
    startLayerStore(overrides, { inProcess, middleware });

  describe("errors", () => {
    it("maps each domain kind to its gRPC code and back, message unchanged", async () => {
      const cases = [
        ["invalid_argument", status.INVALID_ARGUMENT],
        ["not_found", status.NOT_FOUND],
        ["already_exists", status.ALREADY_EXISTS],
        ["failed_precondition", status.FAILED_PRECONDITION],
        ["unavailable", status.UNAVAILABLE],
        ["deadline_exceeded", status.DEADLINE_EXCEEDED],
        ["cancelled", status.CANCELLED],
        ["unimplemented", status.UNIMPLEMENTED],
        ["unauthenticated", status.UNAUTHENTICATED],
        ["permission_denied", status.PERMISSION_DENIED],
        ["internal", status.INTERNAL],
      ] as const;
      for (const [kind, code] of cases) {
        const message = `Conflict. The container name "/demo" is already in use (${kind})`;
        const { client, lines } = await start({
          getLayer: async () => {
            throw CONSTRUCTOR_OF_KIND[kind](message);
          },
        });
        const err = await client.getLayer({ chainId: "x" }).catch((e: unknown) => e);
        expect(err).toBeInstanceOf(SlipwayError);
        expect((err as SlipwayError).kind).toBe(kind);
        // The codes a client also meets without a server name the service; the server's message stays in them.
        if (kind === "unavailable" || kind === "cancelled") expect((err as SlipwayError).message).toContain(message);
        else if (kind === "deadline_exceeded") expect((err as SlipwayError).message).toContain("test-store at unix:");
        else expect((err as SlipwayError).message).toBe(message);
        expect(lines.find((l) => l.msg === "rpc")?.code).toBe(status[code]);
        client.close();
      }
    });

    it("turns a plain exception into INTERNAL and logs it with its stack", async () => {
      const { client, lines } = await start({
        getLayer: async () => {
          throw new TypeError("boom");
        },
      });
      const err = (await client.getLayer({ chainId: "x" }).catch((e: unknown) => e)) as SlipwayError;
      expect(err.kind).toBe("internal");
      expect(err.message).toBe("boom");
      const line = lines.find((l) => l.msg === "rpc");
      expect(line).toMatchObject({ code: "INTERNAL", level: 50, method: "/slipway.layerstore.v1.LayerStoreService/GetLayer" });
      expect(line.stack).toContain("TypeError");
    });

    it("words a system call's failure as Go's path errors do, without Node's error code", async () => {
      const { client } = await start({
        getLayer: async () => {
          throw Object.assign(new Error("ENOSPC: no space left on device, mkdir '/d/x'"), {
            code: "ENOSPC",
            errno: -28,
            syscall: "mkdir",
            path: "/d/x",
          });
        },
      });
      const err = (await client.getLayer({ chainId: "x" }).catch((e: unknown) => e)) as SlipwayError;
      expect([err.kind, err.message]).toEqual(["internal", "mkdir /d/x: no space left on device"]);
    });

    it("logs a call that succeeded at debug, one that was refused at info", async () => {
      const { client, lines } = await startLayerStore(
        {
          getLayer: async ({ chainId }) => {
            if (chainId === "missing") throw notFound("layer missing does not exist");
            return { layer: undefined };
          },
        },
        { logLevel: "info" },
      );
      await client.getLayer({ chainId: "present" });
      await client.getLayer({ chainId: "missing" }).catch(() => undefined);
      expect(lines.filter((l) => l.msg === "rpc").map((l) => [l.code, l.level])).toEqual([["NOT_FOUND", 30]]);
      client.close();
    });

    it("logs UNAVAILABLE (a store recovering or down) as a warning without a stack trace", async () => {
      const { client, lines } = await start({
        getLayer: async () => {
          throw unavailable("layer-store is still recovering its data root; retry shortly");
        },
      });
      await client.getLayer({ chainId: "x" }).catch(() => undefined);
      const line = lines.find((l) => l.msg === "rpc");
      expect(line).toMatchObject({ code: "UNAVAILABLE", level: 40, error: "layer-store is still recovering its data root; retry shortly" });
      expect(line.stack).toBeUndefined();
      client.close();
    });

    it("placeholders answer UNIMPLEMENTED naming the service and method", async () => {
      const { client } = await start();
      const err = (await client.listLayers({}).catch((e: unknown) => e)) as SlipwayError;
      expect(err.kind).toBe("unimplemented");
      expect(err.message).toBe("slipway.layerstore.v1.LayerStoreService/ListLayers is not implemented yet by test-store");
    });

    it("names the service when it is down", async () => {
      const down = tempSocket("down");
      const client = createClient(layerstore.LayerStoreServiceService, down, { name: "layer-store", inProcess });
      const err = (await client.getLayer({ chainId: "x" }, { deadlineMs: 3_000 }).catch((e: unknown) => e)) as SlipwayError;
      // Nothing listens: refused at once, or (when the connect attempt outlives the deadline) no answer in time.
      if (err.kind === "unavailable") expect(err.message).toMatch(`layer-store is unavailable at ${down}`);
      else expect(err).toMatchObject({ kind: "deadline_exceeded", message: `layer-store at ${down} did not answer in time (deadline exceeded)` });
      client.close();
    });
  });

  describe("middleware", () => {
    it("refuses calls with UNAVAILABLE until the service is ready, except the methods it names", async () => {
      let ready = false;
      const gate = untilReady(() => ready, "test-store is still recovering its data root; retry shortly", ["getStoreStatus"]);
      const { client, lines } = await start(
        { getLayer: async () => ({ layer: LAYER }), getStoreStatus: async () => ({ ...layerstore.GetStoreStatusResponse.create(), ready }) },
        [gate],
      );
      await expect(client.getLayer({ chainId: "x" })).rejects.toMatchObject({
        kind: "unavailable",
        message: expect.stringContaining("test-store is still recovering"),
      });
      expect((await client.getStoreStatus({})).ready).toBe(false);
      ready = true;
      expect((await client.getLayer({ chainId: "x" })).layer).toEqual(LAYER);
      expect(lines.filter((l) => l.msg === "rpc").map((l) => l.code)).toEqual(["UNAVAILABLE", "OK", "OK"]);
    });

    it("runs the service's middleware inside the call log, around unary calls and streams until they end", async () => {
      const seen: string[] = [];
      const record: ServerMiddleware = async ({ name, ctx }, next) => {
        seen.push(`${name} from ${ctx.peer}`);
        await next().then(
          () => seen.push(`${name} ended`),
          (err: unknown) => (seen.push(`${name} failed: ${(err as Error).message}`), Promise.reject(err)),
        );
      };
      const { client, lines } = await start(
        {
          getLayer: async () => ({ layer: LAYER }),
          exportLayer: async function* () {
            yield { chunk: Buffer.alloc(10) };
            throw new Error("disk gone");
          },
        },
        [record],
      );
      await client.getLayer({ chainId: "x" });
      const consume = async () => {
        for await (const _ of client.exportLayer({ chainId: "x" })) void _;
      };
      await expect(consume()).rejects.toMatchObject({ kind: "internal", message: "disk gone" });
      await new Promise((resolve) => setImmediate(resolve)); // in-process, the client may hear of the failure first
      const peer = local ? "in-process" : "unix-socket";
      expect(seen).toEqual([`getLayer from ${peer}`, "getLayer ended", `exportLayer from ${peer}`, "exportLayer failed: disk gone"]);
      expect(lines.filter((l) => l.msg === "rpc").map((l) => l.code)).toEqual(["OK", "INTERNAL"]);
    });
  });

  describe("calls", () => {
    it("logs one line per RPC with method, code, duration and peer", async () => {
      const { client, lines } = await start({ getLayer: async () => ({ layer: LAYER }) });
      expect((await client.getLayer({ chainId: "sha256:aa" })).layer).toEqual(LAYER);
      const rpc = lines.filter((l) => l.msg === "rpc");
      expect(rpc).toHaveLength(1);
      expect(rpc[0]).toMatchObject({ method: "/slipway.layerstore.v1.LayerStoreService/GetLayer", code: "OK" });
      expect(typeof rpc[0].durationMs).toBe("number");
      expect(rpc[0].peer).toBe(local ? "in-process" : "unix-socket");
    });

    it("streams in both directions", async () => {
      const { client } = await start({
        registerLayer: async (requests) => {
          let bytes = 0;
          for await (const r of requests) bytes += r.chunk?.length ?? 0;
          return { layer: { ...LAYER, size: bytes }, existed: false };
        },
        exportLayer: async function* () {
          for (let i = 0; i < 3; i++) yield { chunk: Buffer.alloc(1000, i) };
        },
      });
      const chunks: layerstore.RegisterLayerRequest[] = [
        { header: layerstore.RegisterLayerHeader.create() },
        { chunk: Buffer.alloc(10) },
        { chunk: Buffer.alloc(5) },
      ];
      expect((await client.registerLayer(chunks)).layer?.size).toBe(15);
      let total = 0;
      for await (const part of client.exportLayer({ chainId: "x" })) total += part.chunk.length;
      expect(total).toBe(3000);
    });

    it("carries bidirectional streams (LoadImages shape)", async () => {
      const { logger } = captureLogger();
      const server = await startService({
        name: "image-test",
        bind: tempSocket("image-test"),
        logger,
        inProcess,
        services: [
          service(imagestore.ImageStoreServiceService, {
            ...unimplementedHandlers(imagestore.ImageStoreServiceService, "image-test"),
            loadImages: async function* (requests) {
              let n = 0;
              for await (const r of requests) yield { progress: { digest: "d", current: (n += r.chunk.length), total: 0 } };
              yield { loaded: { imageId: "sha256:1", repoTags: [], message: `read ${n}` } };
            },
          }),
        ],
      });
      running.push(server);
      const client = createClient(imagestore.ImageStoreServiceService, server.address, { name: "image-test", inProcess });
      const events = [];
      for await (const e of client.loadImages([{ chunk: Buffer.alloc(4) }, { chunk: Buffer.alloc(6) }])) events.push(e);
      expect(events.at(-1)?.loaded?.message).toBe("read 10");
      expect(events.filter((e) => e.progress)).toHaveLength(2);
    });
  });

  describe("isolation", () => {
    it("hands the server its own copy of the request and the client its own copy of the answer", async () => {
      const answer = { layer: { ...LAYER } };
      const { client } = await start({
        getLayer: async (request) => ((request.chainId = "changed by the server"), answer),
      });
      const request = { chainId: "sha256:aa" };
      const got = await client.getLayer(request);
      got.layer!.chainId = "changed by the client";
      expect(request.chainId).toBe("sha256:aa");
      expect(answer.layer.chainId).toBe(LAYER.chainId);
    });

    it("cancels a server stream's handler when the client stops reading", async () => {
      let cancelled!: (reason: string) => void;
      const handlerSaw = new Promise<string>((r) => (cancelled = r));
      const { client } = await start({
        exportLayer: async function* (_request, ctx) {
          ctx.signal.addEventListener("abort", () => cancelled("aborted"));
          for (let i = 0; ; i++) yield { chunk: Buffer.alloc(1000, i) };
        },
      });
      for await (const _ of client.exportLayer({ chainId: "x" })) break;
      expect(await handlerSaw).toBe("aborted");
    });
  });

  describe("deadlines", () => {
    it("fails a call that outlives its deadline with DEADLINE_EXCEEDED naming the service", async () => {
      const { client } = await start({
        getLayer: (_req, ctx) => new Promise((_, reject) => ctx.signal.addEventListener("abort", () => reject(ctx.signal.reason))),
      });
      const started = Date.now();
      const err = (await client.getLayer({ chainId: "x" }, { deadlineMs: 200 }).catch((e: unknown) => e)) as SlipwayError;
      expect(Date.now() - started).toBeLessThan(2_000);
      expect(err.kind).toBe("deadline_exceeded");
      expect(err.message).toMatch(/^test-store at unix:\S+ did not answer in time \(deadline exceeded\)$/);
    });

    it("propagates the incoming deadline to downstream calls", async () => {
      let downstreamDeadline: Date | undefined;
      const downstream = await start({
        getLayer: async (_req, ctx) => ((downstreamDeadline = ctx.deadline), { layer: LAYER }),
      });
      const upstream = await start({
        listLayers: async (_req, ctx) => {
          await downstream.client.getLayer({ chainId: "x" }, { parent: ctx });
          return { layers: [] };
        },
      });
      const before = Date.now();
      await upstream.client.listLayers({}, { deadlineMs: 1_500 });
      expect(downstreamDeadline).toBeDefined();
      expect(downstreamDeadline!.getTime()).toBeLessThanOrEqual(before + 1_600);
    });
  });

  describe("shutdown", () => {
    it("drains a call in flight, then refuses new ones", async () => {
      let release!: () => void;
      const { server, client } = await start({
        getLayer: () => new Promise((resolve) => (release = () => resolve({ layer: LAYER }))),
      });
      server.setServing();
      const inFlight = client.getLayer({ chainId: "x" });
      await new Promise((r) => setTimeout(r, 50));
      const stopped = server.shutdown();
      expect(await checkHealth(server.address).catch(() => "UNREACHABLE")).not.toBe("SERVING");
      release();
      expect((await inFlight).layer).toEqual(LAYER);
      await stopped;
      const err = (await client.getLayer({ chainId: "x" }, { deadlineMs: 1_000 }).catch((e: unknown) => e)) as SlipwayError;
      expect(err.kind).toBe("unavailable");
    });
  });

  describe("placeholder stream", () => {
    it("server streams report UNIMPLEMENTED as well", async () => {
      const { client } = await start();
      const consume = async () => {
        for await (const _ of client.exportLayer({ chainId: "x" })) void _;
      };
      await expect(consume()).rejects.toMatchObject({ kind: "unimplemented" });
    });
  });
});

describe("in-process registries", () => {
  it("hold only the services started with them: a client of another registry goes over the network", async () => {
    const own = new InProcessRegistry();
    const { server, lines } = await startLayerStore({ getLayer: async () => ({ layer: LAYER }) }, { inProcess: own });
    const other = createClient(layerstore.LayerStoreServiceService, server.address, { name: "test-store", inProcess: new InProcessRegistry() });
    const same = createClient(layerstore.LayerStoreServiceService, server.address, { name: "test-store", inProcess: own });
    await other.getLayer({ chainId: "x" });
    await same.getLayer({ chainId: "x" });
    expect(lines.filter((l) => l.msg === "rpc").map((l) => l.peer)).toEqual(["unix-socket", "in-process"]);
    other.close();
    same.close();
  });
});

describe("binding", () => {
  it("says plainly when the socket is already in use", async () => {
    const { server } = await startLayerStore();
    const { logger } = captureLogger();
    await expect(startService({ name: "second", bind: server.address, logger, services: [] })).rejects.toThrow(
      `${server.address.slice("unix:".length)} is in use`,
    );
  });

  it("refuses TCP without certificates, on either end", async () => {
    const { logger } = captureLogger();
    await expect(startService({ name: "plain", bind: "127.0.0.1:0", logger, services: [] })).rejects.toThrow(ConfigError);
    expect(() => createClient(layerstore.LayerStoreServiceService, "127.0.0.1:1", { name: "layer-store" })).toThrow(ConfigError);
    await expect(checkHealth("127.0.0.1:1")).rejects.toThrow(ConfigError);
  });
});

describe("large client streams", () => {
  it("send many chunks without piling up listeners (no MaxListenersExceededWarning)", async () => {
    const warnings: string[] = [];
    const onWarning = (w: Error) => warnings.push(w.name);
    process.on("warning", onWarning);
    const { client } = await startLayerStore({
      registerLayer: async (requests) => {
        let bytes = 0;
        for await (const r of requests) bytes += r.chunk?.length ?? 0;
        return { layer: { ...LAYER, size: bytes }, existed: false };
      },
    });
    function* chunks(): Generator<layerstore.RegisterLayerRequest> {
      yield { header: layerstore.RegisterLayerHeader.create() };
      for (let i = 0; i < 400; i++) yield { chunk: Buffer.alloc(256 * 1024) };
    }
    expect((await client.registerLayer(chunks())).layer?.size).toBe(400 * 256 * 1024);
    await new Promise((r) => setImmediate(r));
    process.off("warning", onWarning);
    expect(warnings).not.toContain("MaxListenersExceededWarning");
  });
});
