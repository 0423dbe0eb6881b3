import { status } from "@grpc/grpc-js";
import { imagestore, layerstore } from "@slipway/proto";
import { pino } from "pino";
import { mkdtempSync, rmSync } from "node:fs";
import { connect, type Settings } from "node:http2";
import { connect as connectSocket } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Writable } from "node:stream";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import {
  checkHealth,
  ConfigError,
  createClient,
  enableInProcessCalls,
  listReflectedServices,
  notFound,
  service,
  SlipwayError,
  SERVER_STREAM_WINDOW,
  startService,
  unimplementedHandlers,
  type RunningService,
} from "./index.js";

const LAYER = { chainId: "sha256:aa", diffId: "sha256:bb", parentChainId: "", cacheId: "c", size: 1, referenceCount: 1, depth: 1 };

function captureLogger() {
  const lines: any[] = [];
  const sink = new Writable({ write: (chunk, _e, cb) => (lines.push(JSON.parse(String(chunk))), cb()) });
  return { logger: pino({ level: "info" }, sink), lines };
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

async function startLayerStore(overrides: Partial<Parameters<typeof service<typeof layerstore.LayerStoreServiceService>>[1]> = {}) {
  const { logger, lines } = captureLogger();
  const handlers = { ...unimplementedHandlers(layerstore.LayerStoreServiceService, "test-store"), ...overrides };
  const server = await startService({
    name: "test-store",
    bind: tempSocket(),
    logger,
    services: [service(layerstore.LayerStoreServiceService, handlers)],
    drainTimeoutMs: 2_000,
  });
  running.push(server);
  const client = createClient(layerstore.LayerStoreServiceService, server.address, { name: "test-store" });
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
])("%s", (_mode, inProcess) => {
  beforeAll(() => enableInProcessCalls(inProcess));
  afterAll(() => enableInProcessCalls(false));

  describe("errors", () => {
    it("maps each domain kind to its gRPC code and back, message unchanged", async () => {
      const cases = [
        ["invalid_argument", status.INVALID_ARGUMENT],
        ["not_found", status.NOT_FOUND],
        ["already_exists", status.ALREADY_EXISTS],
        ["failed_precondition", status.FAILED_PRECONDITION],
        ["unavailable", status.UNAVAILABLE],
        ["internal", status.INTERNAL],
      ] as const;
      for (const [kind, code] of cases) {
        const message = `Conflict. The container name "/demo" is already in use (${kind})`;
        const { client, lines } = await startLayerStore({
          getLayer: async () => {
            throw new SlipwayError(kind, message);
          },
        });
        const err = await client.getLayer({ chainId: "x" }).catch((e: unknown) => e);
        expect(err).toBeInstanceOf(SlipwayError);
        expect((err as SlipwayError).kind).toBe(kind);
        if (kind !== "unavailable") expect((err as SlipwayError).message).toBe(message);
        else expect((err as SlipwayError).message).toContain(message);
        expect(lines.find((l) => l.msg === "rpc")?.code).toBe(status[code]);
        client.close();
      }
    });

    it("turns a plain exception into INTERNAL and logs it with its stack", async () => {
      const { client, lines } = await startLayerStore({
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

    it("logs UNAVAILABLE (a store recovering or down) as a warning without a stack trace", async () => {
      const { client, lines } = await startLayerStore({
        getLayer: async () => {
          throw new SlipwayError("unavailable", "layer-store is still recovering its data root; retry shortly");
        },
      });
      await client.getLayer({ chainId: "x" }).catch(() => undefined);
      const line = lines.find((l) => l.msg === "rpc");
      expect(line).toMatchObject({ code: "UNAVAILABLE", level: 40, error: "layer-store is still recovering its data root; retry shortly" });
      expect(line.stack).toBeUndefined();
      client.close();
    });

    it("placeholders answer UNIMPLEMENTED naming the service and method", async () => {
      const { client } = await startLayerStore();
      const err = (await client.listLayers({}).catch((e: unknown) => e)) as SlipwayError;
      expect(err.kind).toBe("unimplemented");
      expect(err.message).toBe("slipway.layerstore.v1.LayerStoreService/ListLayers is not implemented yet by test-store");
    });

    it("names the service when it is down", async () => {
      const down = tempSocket("down");
      const client = createClient(layerstore.LayerStoreServiceService, down, { name: "layer-store" });
      const err = (await client.getLayer({ chainId: "x" }, { deadlineMs: 3_000 }).catch((e: unknown) => e)) as SlipwayError;
      expect(err.kind).toBe("unavailable");
      expect(err.message.startsWith(`layer-store is unavailable at ${down}`) || err.message.startsWith(`layer-store at ${down}`)).toBe(true);
      client.close();
    });
  });

  describe("calls", () => {
    it("logs one line per RPC with method, code, duration and peer", async () => {
      const { client, lines } = await startLayerStore({ getLayer: async () => ({ layer: LAYER }) });
      expect((await client.getLayer({ chainId: "sha256:aa" })).layer).toEqual(LAYER);
      const rpc = lines.filter((l) => l.msg === "rpc");
      expect(rpc).toHaveLength(1);
      expect(rpc[0]).toMatchObject({ method: "/slipway.layerstore.v1.LayerStoreService/GetLayer", code: "OK" });
      expect(typeof rpc[0].durationMs).toBe("number");
      expect(rpc[0].peer).toBe(inProcess ? "in-process" : "unix-socket");
    });

    it("streams in both directions", async () => {
      const { client } = await startLayerStore({
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
      const client = createClient(imagestore.ImageStoreServiceService, server.address, { name: "image-test" });
      const events = [];
      for await (const e of client.loadImages([{ chunk: Buffer.alloc(4) }, { chunk: Buffer.alloc(6) }])) events.push(e);
      expect(events.at(-1)?.loaded?.message).toBe("read 10");
      expect(events.filter((e) => e.progress)).toHaveLength(2);
    });
  });

  describe("isolation", () => {
    it("hands the server its own copy of the request and the client its own copy of the answer", async () => {
      const answer = { layer: { ...LAYER } };
      const { client } = await startLayerStore({
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
      const { client } = await startLayerStore({
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
    it("fails a call that outlives its deadline with UNAVAILABLE naming the service", async () => {
      const { client } = await startLayerStore({
        getLayer: (_req, ctx) => new Promise((_, reject) => ctx.signal.addEventListener("abort", () => reject(ctx.signal.reason))),
      });
      const started = Date.now();
      const err = (await client.getLayer({ chainId: "x" }, { deadlineMs: 200 }).catch((e: unknown) => e)) as SlipwayError;
      expect(Date.now() - started).toBeLessThan(2_000);
      expect(err.kind).toBe("unavailable");
      expect(err.message).toContain("deadline exceeded");
    });

    it("propagates the incoming deadline to downstream calls", async () => {
      let downstreamDeadline: Date | undefined;
      const downstream = await startLayerStore({
        getLayer: async (_req, ctx) => ((downstreamDeadline = ctx.deadline), { layer: LAYER }),
      });
      const upstream = await startLayerStore({
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
      const { server, client } = await startLayerStore({
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
      const { client } = await startLayerStore();
      const consume = async () => {
        for await (const _ of client.exportLayer({ chainId: "x" })) void _;
      };
      await expect(consume()).rejects.toMatchObject({ kind: "unimplemented" });
    });
  });
});

export { notFound };

describe("binding", () => {
  it("says plainly when the socket is already in use", async () => {
    const { server } = await startLayerStore();
    const { logger } = captureLogger();
    await expect(
      startService({ name: "second", bind: server.address, logger, services: [] }),
    ).rejects.toThrow(`${server.address.slice("unix:".length)} is in use`);
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
