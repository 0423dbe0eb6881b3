import { mkdtempSync, readFileSync } from "node:fs";
import { createServer, type Server } from "node:http";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { Readable } from "node:stream";
import { fileURLToPath, pathToFileURL } from "node:url";
import { InProcessRegistry } from "@slipway/grpc-kit";
import { traceInMemory, type ReadableSpan } from "@slipway/tracing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { EngineClient } from "../src/bench/engine-client.js";
import { sampleImage } from "../src/sample-image/sample-image.js";
import { mainOf, STORES } from "../src/stack/apps.js";
import { launchStack, localStackEnv, untilUp, type LocalStack } from "../src/stack/local-stack.js";
import { clientTraceParent, createWithTraceParent, expectOneCreateTrace, traceComplete, type SpanRecord } from "./support/trace-tree.js";

// One `docker create` is one trace, from engine-api through the orchestrator to each store it called, with the
// flush rounds that made it durable: in npm start's one process (in-process calls, spans kept in memory here)
// and in the split layout (calls over unix sockets, spans exported by OTLP/HTTP to a receiver in this test).

const REPO_ROOT = resolve(fileURLToPath(import.meta.url), "../../..");
const IMAGE = "slipway-sample:1";
// The first create of an image asks image-store for it: the orchestrator's cache of image-store's answers is empty.
const APPS_OF_A_FIRST_CREATE = ["engine-api", "orchestrator", "image-store", "container-config", "layer-store"].sort();

async function loadSampleImage(socketPath: string): Promise<void> {
  const loaded = await new EngineClient(socketPath).call("POST", "/images/load?quiet=1", Readable.from([sampleImage().archive]), "application/x-tar");
  expect(loaded.status).toBe(200);
}

async function until<T>(what: string, probe: () => T | undefined, timeoutMs = 15_000): Promise<T> {
  for (const deadline = Date.now() + timeoutMs; ; await new Promise((r) => setTimeout(r, 50))) {
    const found = probe();
    if (found !== undefined) return found;
    if (Date.now() > deadline) throw new Error(`${what} did not happen within ${timeoutMs / 1000} s`);
  }
}

describe("a create's trace in the one-process layout", () => {
  const exporter = traceInMemory();
  // In the run's scratch directory (TMPDIR), removed when the run ends; the apps stop with this test's worker.
  const runRoot = join(mkdtempSync(join(tmpdir(), "slipway-trace-")), "run");

  beforeAll(async () => {
    Object.assign(process.env, { SLIPWAY_DATA_ROOT: join(runRoot, "../data"), SLIPWAY_RUN_ROOT: runRoot });
    process.umask(0);
    // As npm start's host process runs the apps: one registry, the stores first, then the orchestrator, then engine-api.
    const inProcess = new InProcessRegistry();
    const start = (apps: readonly string[]) =>
      Promise.all(apps.map(async (app) => ((await import(pathToFileURL(mainOf(REPO_ROOT, app)).href)) as AppMain).start(inProcess)));
    await start(STORES);
    await start(["orchestrator"]);
    await start(["engine-api"]);
    await loadSampleImage(join(runRoot, "docker.sock"));
  }, 60_000);

  it("is one trace with spans of engine-api, the orchestrator and each store, parents linked", async () => {
    const client = clientTraceParent();
    expect(await createWithTraceParent(join(runRoot, "docker.sock"), IMAGE, client.header)).toBe(201);
    const ended = () => exporter.getFinishedSpans().map(recordOf);
    await until("the create's trace complete", () => traceComplete(ended(), client) || undefined);
    const services = expectOneCreateTrace(ended(), client);
    expect([...services].sort()).toEqual(APPS_OF_A_FIRST_CREATE);
  });
});

describe("a create's trace in the split layout, exported by OTLP/HTTP", () => {
  const received: SpanRecord[] = [];
  let receiver: Server;
  let stack: LocalStack;

  beforeAll(async () => {
    receiver = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req
        .on("data", (chunk: Buffer) => chunks.push(chunk))
        .once("end", () => {
          received.push(...recordsOfOtlpJson(JSON.parse(Buffer.concat(chunks).toString("utf8")) as OtlpTraces));
          res.writeHead(200, { "Content-Type": "application/json" }).end("{}");
        });
    });
    await new Promise<void>((resolve) => receiver.listen(0, "127.0.0.1", resolve));
    const { port } = receiver.address() as { port: number };
    const { root, env, addresses } = await localStackEnv();
    Object.assign(env, { OTEL_EXPORTER_OTLP_ENDPOINT: `http://127.0.0.1:${port}`, OTEL_BSP_SCHEDULE_DELAY: "100", SLIPWAY_LOG_LEVEL: "debug" });
    stack = await untilUp(launchStack(root, env, addresses, ["--split"]), 60_000);
    await loadSampleImage(stack.socketPath);
  }, 90_000);

  afterAll(async () => {
    await stack?.stop();
    receiver?.close();
  });

  it("is one trace across the processes, and their log lines name it", async () => {
    const client = clientTraceParent();
    expect(await createWithTraceParent(stack.socketPath, IMAGE, client.header)).toBe(201);
    // Each process exports on its own schedule: the trace is complete once every span's parent arrived.
    await until("the create's trace complete", () => traceComplete(received, client) || undefined);
    expect([...expectOneCreateTrace(received, client)].sort()).toEqual(APPS_OF_A_FIRST_CREATE);
    const logged = readFileSync(join(stack.root, "stack.log"), "utf8")
      .split("\n")
      .filter((line) => line.includes(client.traceId))
      .map((line) => (JSON.parse(line) as { app: string }).app);
    expect(new Set(logged)).toEqual(new Set(APPS_OF_A_FIRST_CREATE));
  });
});

interface OtlpTraces {
  resourceSpans: {
    resource: { attributes: OtlpAttribute[] };
    scopeSpans: { spans: { traceId: string; spanId: string; parentSpanId?: string; name: string; kind: number; attributes: OtlpAttribute[] }[] }[];
  }[];
}
interface OtlpAttribute {
  key: string;
  value: { stringValue?: string; intValue?: number | string; boolValue?: boolean };
}

/** OTLP's JSON encoding (what the exporter posts): IDs in hex, SPAN_KIND_SERVER = 2, SPAN_KIND_CLIENT = 3. */
function recordsOfOtlpJson(body: OtlpTraces): SpanRecord[] {
  const kinds: Record<number, SpanRecord["kind"]> = { 2: "server", 3: "client" };
  return body.resourceSpans.flatMap(({ resource, scopeSpans }) => {
    const service = String(attributesOf(resource.attributes)["service.name"]);
    return scopeSpans.flatMap(({ spans }) =>
      spans.map((span) => ({
        traceId: span.traceId,
        spanId: span.spanId,
        parentId: span.parentSpanId || undefined,
        name: span.name,
        kind: kinds[span.kind] ?? "internal",
        service,
        attributes: attributesOf(span.attributes),
      })),
    );
  });
}

function attributesOf(attributes: OtlpAttribute[]): Record<string, unknown> {
  return Object.fromEntries(attributes.map(({ key, value }) => [key, value.stringValue ?? value.boolValue ?? Number(value.intValue)]));
}

interface AppMain {
  start(inProcess: InProcessRegistry): Promise<unknown>;
}

function recordOf(span: ReadableSpan): SpanRecord {
  const { traceId, spanId } = span.spanContext();
  const kinds = ["internal", "server", "client"];
  return {
    traceId,
    spanId,
    parentId: span.parentSpanContext?.spanId,
    name: span.name,
    kind: (kinds[span.kind] ?? "internal") as SpanRecord["kind"],
    service: String(span.resource.attributes["service.name"]),
    attributes: span.attributes,
  };
}
