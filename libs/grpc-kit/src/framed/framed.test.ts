import { mkdtempSync, rmSync, statSync, unlinkSync } from "node:fs";
import { connect } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Writable } from "node:stream";
import { pino } from "pino";
import { afterAll, afterEach, describe, expect, it } from "vitest";
import type { SlipwayError } from "@slipway/errors";
import { layerstore } from "@slipway/proto";
import { createClient, layerStoreDefinition, service, startService, unimplementedHandlers, type RunningService } from "../index.js";
import { framedSocketPath } from "./framed-server.js";
import { decodeStatus, encodeCallHeader, encodeFrame, FRAME_TYPE, FrameReader, type Frame } from "./frames.js";
import { BYTE_WINDOW, MESSAGE_WINDOW } from "./message-window.js";

const LAYER = { chainId: "sha256:aa", diffId: "sha256:bb", parentChainId: "", cacheId: "c", size: 1, referenceCount: 1, depth: 1 };
type Handlers = Parameters<typeof service<typeof layerStoreDefinition>>[1];

const running: RunningService[] = [];
const dirs: string[] = [];
afterEach(async () => void (await Promise.all(running.splice(0).map((server) => server.shutdown()))));
afterAll(() => dirs.splice(0).forEach((dir) => rmSync(dir, { recursive: true, force: true })));

async function start(overrides: Partial<Handlers> = {}, drainTimeoutMs = 2_000) {
  const dir = mkdtempSync(join(tmpdir(), "slipway-framed-"));
  dirs.push(dir);
  const logged: { msg: string; peer?: string }[] = [];
  const sink = new Writable({ write: (chunk, _encoding, done) => (logged.push(JSON.parse(String(chunk))), done()) });
  const server = await startService({
    name: "test-store",
    bind: `unix:${join(dir, "test-store.sock")}`,
    logger: pino({ level: "debug" }, sink),
    services: [service(layerStoreDefinition, { ...unimplementedHandlers(layerStoreDefinition, "test-store"), ...overrides })],
    drainTimeoutMs,
  });
  running.push(server);
  const client = () => createClient(layerStoreDefinition, server.address, { name: "test-store" });
  const socketPath = server.address.slice("unix:".length);
  return { server, client, logged, grpcSocket: socketPath, framedSocket: framedSocketPath(socketPath) };
}

const getLayer = async () => ({ layer: LAYER });

describe("framed calls", () => {
  it("go to the framed socket beside a unix-socket server: a call answers with the HTTP/2 socket gone", async () => {
    const { client, grpcSocket, framedSocket, logged } = await start({ getLayer });
    expect(framedSocket).toBe(grpcSocket.replace(/\.sock$/, ".framed.sock"));
    unlinkSync(grpcSocket);
    expect((await client().getLayer({ chainId: "sha256:aa" })).layer).toEqual(LAYER);
    expect(logged.find((line) => line.msg === "rpc")).toMatchObject({ peer: "unix-socket" });
  });

  it("fall back to HTTP/2 when there is no framed socket (a server of another build)", async () => {
    const { client, framedSocket } = await start({ getLayer });
    unlinkSync(framedSocket);
    expect((await client().getLayer({ chainId: "sha256:aa" })).layer).toEqual(LAYER);
  });

  it("carry byte streams, held back by bytes while the reader does not take", async () => {
    const chunk = Buffer.alloc(256 * 1024, 7);
    let produced = 0;
    const { client, grpcSocket } = await start({
      exportLayer: async function* () {
        for (;;) {
          produced++;
          yield { chunk };
        }
      },
    });
    unlinkSync(grpcSocket);
    const reader = client().exportLayer({ chainId: "x" })[Symbol.asyncIterator]();
    expect(((await reader.next()).value as { chunk: Buffer }).chunk.equals(chunk)).toBe(true);
    await new Promise((resolve) => setTimeout(resolve, 200));
    const window = BYTE_WINDOW / chunk.length;
    expect(produced).toBeGreaterThanOrEqual(window);
    expect(produced).toBeLessThanOrEqual(window + 2);
    for (let i = 0; i < 3 * window; i++) await reader.next();
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(produced).toBeGreaterThan(3 * window);
    expect(produced).toBeLessThanOrEqual(4 * window + 3);
    await reader.return?.();
  });

  it("are served on a socket with the gRPC socket's mode", async () => {
    const { grpcSocket, framedSocket } = await start();
    expect(statSync(framedSocket).mode & 0o777).toBe(0o660);
    expect(statSync(framedSocket).gid).toBe(statSync(grpcSocket).gid);
  });

  it("cancel a server stream's handler when the client stops reading", async () => {
    let aborted!: () => void;
    const handlerSaw = new Promise<void>((resolve) => (aborted = resolve));
    const { client } = await start({
      watchEvents: async function* (_request, ctx) {
        ctx.signal.addEventListener("abort", () => aborted());
        for (;;) {
          yield { events: [] };
          await new Promise((resolve) => setTimeout(resolve, 5));
        }
      },
    });
    for await (const _ of client().watchEvents({ replay: false })) break;
    await handlerSaw;
  });

  it("hold a server stream back while its reader does not take (a response window, as HTTP/2's flow control)", async () => {
    let produced = 0;
    const { client } = await start({
      watchEvents: async function* () {
        for (;;) {
          produced++;
          yield { events: [] };
        }
      },
    });
    const reader = client().watchEvents({ replay: false })[Symbol.asyncIterator]();
    await reader.next();
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(produced).toBeGreaterThanOrEqual(MESSAGE_WINDOW);
    expect(produced).toBeLessThanOrEqual(MESSAGE_WINDOW + 2);
    for (let i = 0; i < 100; i++) await reader.next();
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(produced).toBeGreaterThan(100);
    expect(produced).toBeLessThanOrEqual(101 + MESSAGE_WINDOW + 2);
    await reader.return?.();
  });

  it("hold a request stream back while the handler does not take", async () => {
    const raw = layerstore.LayerStoreServiceService;
    let release!: () => void;
    const server = await startService({
      name: "test-store",
      bind: `unix:${join(mkdtempSync(join(tmpdir(), "slipway-framed-")), "raw.sock")}`,
      logger: pino({ level: "silent" }),
      services: [
        service(raw, {
          ...unimplementedHandlers(raw, "test-store"),
          registerLayer: async (requests) => {
            const reader = requests[Symbol.asyncIterator]();
            await reader.next();
            await new Promise<void>((resolve) => (release = resolve));
            let size = 1;
            while (!(await reader.next()).done) size++;
            return { layer: { ...LAYER, size }, existed: false };
          },
        }),
      ],
    });
    running.push(server);
    let sent = 0;
    async function* requests() {
      for (; sent < 200; sent++) yield { chunk: Buffer.alloc(10) };
    }
    const answer = createClient(raw, server.address, { name: "test-store" }).registerLayer(requests());
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(sent).toBeGreaterThanOrEqual(MESSAGE_WINDOW);
    expect(sent).toBeLessThanOrEqual(MESSAGE_WINDOW + 2);
    release();
    expect((await answer).layer?.size).toBe(200);
  });

  it("fail with UNAVAILABLE when the connection breaks under them", async () => {
    const { client, server } = await start({ getLayer: () => new Promise(() => undefined) }, 100);
    const caller = client();
    const inFlight = caller.getLayer({ chainId: "x" }).then(
      () => undefined,
      (err: unknown) => err as SlipwayError,
    );
    await new Promise((resolve) => setTimeout(resolve, 50));
    await server.shutdown();
    expect((await inFlight)?.kind).toBe("unavailable");
  });

  it("close a connection that sends a malformed frame, and go on serving the others", async () => {
    const { client, framedSocket } = await start({ getLayer });
    const raw = connect(framedSocket);
    const closed = new Promise((resolve) => raw.once("close", resolve));
    raw.on("error", () => undefined);
    raw.write(Buffer.from([0xff, 0xff, 0xff, 0xff, 1, 0, 0, 0, 0]));
    await closed;
    expect((await client().getLayer({ chainId: "sha256:aa" })).layer).toEqual(LAYER);
  });

  it("answer a method the server does not have with UNIMPLEMENTED", async () => {
    const { framedSocket } = await start();
    const raw = connect(framedSocket);
    const header = encodeCallHeader({ path: "/no.Such/Method", deadline: new Date(Date.now() + 5_000), metadata: {} });
    raw.write(
      Buffer.concat([
        ...encodeFrame(FRAME_TYPE.call, 1, header),
        ...encodeFrame(FRAME_TYPE.message, 1, Buffer.alloc(0)),
        ...encodeFrame(FRAME_TYPE.end, 1),
      ]),
    );
    const reader = new FrameReader();
    const frame = await new Promise<Frame>((resolve) => raw.on("data", (chunk: Buffer) => reader.push(chunk).forEach(resolve)));
    raw.destroy();
    expect(frame.type).toBe(FRAME_TYPE.status);
    expect(decodeStatus(frame.body)).toEqual({ code: 12, details: "The server does not implement the method /no.Such/Method" });
  });
});
