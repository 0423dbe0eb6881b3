import { mkdtempSync, statSync } from "node:fs";
import { request } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { notFound } from "@slipway/errors";
import { ConfigError, createLogger, type MethodDefinition, type ServerCallInfo } from "@slipway/grpc-kit";
import { describe, expect, it } from "vitest";
import { AppMetrics, loadMetricsConfig, routeTemplate, startMetricsEndpoint } from "./index.js";

const codec = {
  requestSerialize: () => Buffer.alloc(0),
  requestDeserialize: () => ({}),
  responseSerialize: () => Buffer.alloc(0),
  responseDeserialize: () => ({}),
};
const getThing: MethodDefinition = { path: "/slipway.test.v1.TestService/GetThing", requestStream: false, responseStream: false, ...codec };
const watch: MethodDefinition = { path: "/slipway.test.v1.TestService/Watch", requestStream: true, responseStream: true, ...codec };
const GET_LABELS = 'grpc_type="unary",grpc_service="slipway.test.v1.TestService",grpc_method="GetThing"';

const callOf = (name: string, method: MethodDefinition): ServerCallInfo => ({ name, method, ctx: { method: method.path } as ServerCallInfo["ctx"] });
const fail = (err: unknown) => () => Promise.reject(err);
const succeed = () => Promise.resolve();

/** The sample lines of the exposition text, without HELP and TYPE. */
async function samples(metrics: AppMetrics): Promise<string[]> {
  return (await metrics.registry.metrics()).split("\n").filter((line) => line !== "" && !line.startsWith("#"));
}

describe("AppMetrics", () => {
  it("counts a server's calls by method and code, with their latency, under go-grpc-prometheus's names", async () => {
    const metrics = new AppMetrics();
    const around = (name: string, method: MethodDefinition, next: () => Promise<void>) => metrics.grpcServer(callOf(name, method), next);
    await around("getThing", getThing, succeed);
    await around("getThing", getThing, succeed);
    await expect(around("getThing", getThing, fail(notFound("No such thing")))).rejects.toThrow("No such thing");
    await expect(around("watch", watch, fail(new Error("a bug")))).rejects.toThrow("a bug");
    const lines = await samples(metrics);
    expect(lines).toContain(`grpc_server_started_total{${GET_LABELS}} 3`);
    expect(lines).toContain(`grpc_server_handled_total{${GET_LABELS},grpc_code="OK"} 2`);
    expect(lines).toContain(`grpc_server_handled_total{${GET_LABELS},grpc_code="NOT_FOUND"} 1`);
    expect(lines).toContain(`grpc_server_handling_seconds_count{${GET_LABELS}} 3`);
    expect(lines).toContain(
      `grpc_server_handled_total{grpc_type="bidi_stream",grpc_service="slipway.test.v1.TestService",grpc_method="Watch",grpc_code="INTERNAL"} 1`,
    );
  });

  it("counts a client's calls as its observer is told of them", async () => {
    const metrics = new AppMetrics();
    const start = metrics.grpcClient(getThing);
    start()();
    start()(notFound("gone"));
    const lines = await samples(metrics);
    expect(lines).toContain(`grpc_client_started_total{${GET_LABELS}} 2`);
    expect(lines).toContain(`grpc_client_handled_total{${GET_LABELS},grpc_code="NOT_FOUND"} 1`);
    expect(lines).toContain(`grpc_client_handling_seconds_count{${GET_LABELS}} 2`);
  });

  it("times only the creates that succeeded as slipway_container_create_seconds", async () => {
    const metrics = new AppMetrics();
    const creates = metrics.containerCreates();
    await creates(callOf("createContainer", getThing), succeed);
    await creates(callOf("inspectContainer", getThing), succeed);
    await expect(creates(callOf("createContainer", getThing), fail(notFound("No such image")))).rejects.toThrow();
    expect(await samples(metrics)).toContain("slipway_container_create_seconds_count 1");
  });

  it("records flush rounds: callers per round, round time, failures", async () => {
    const metrics = new AppMetrics();
    const observe = metrics.flushRounds();
    observe(3)(false);
    observe(5)(true);
    const lines = await samples(metrics);
    expect(lines).toContain("slipway_flush_round_callers_sum 8");
    expect(lines).toContain("slipway_flush_round_callers_count 2");
    expect(lines).toContain('slipway_flush_round_callers_bucket{le="4"} 1');
    expect(lines).toContain("slipway_flush_round_seconds_count 2");
    expect(lines).toContain("slipway_flush_round_failures_total 1");
  });

  it("reads what the app holds when scraped, not before", async () => {
    const metrics = new AppMetrics();
    let layers = 1;
    metrics.held({ layers: () => layers, volumes: async () => 4 });
    layers = 7;
    const lines = await samples(metrics);
    expect(lines).toContain("slipway_layers_held 7");
    expect(lines).toContain("slipway_volumes_held 4");
  });

  it("counts HTTP requests by route template and status", async () => {
    const metrics = new AppMetrics();
    const start = metrics.httpRequests()("POST", "/containers/create");
    start()(201);
    start()(404);
    start()(201);
    const lines = await samples(metrics);
    expect(lines).toContain('http_requests_total{method="POST",route="/containers/create",status="201"} 2');
    expect(lines).toContain('http_requests_total{method="POST",route="/containers/create",status="404"} 1');
    expect(lines).toContain('http_request_duration_seconds_count{method="POST",route="/containers/create"} 3');
  });

  it("serves the process metrics (made once per process)", async () => {
    const lines = await samples(new AppMetrics());
    expect(lines.some((line) => line.startsWith("process_cpu_user_seconds_total "))).toBe(true);
    expect(lines.some((line) => line.startsWith("nodejs_heap_size_used_bytes "))).toBe(true);
  });
});

describe("routeTemplate", () => {
  it.each([
    [/^\/containers\/create$/, "/containers/create"],
    [/^\/containers\/(?<id>[^/]+)\/json$/, "/containers/{id}/json"],
    [/^\/images\/(?<name>.+)\/tag$/, "/images/{name}/tag"],
    [/^\/_ping$/, "/_ping"],
  ])("%s is %s", (pattern, template) => expect(routeTemplate(pattern)).toBe(template));
});

describe("loadMetricsConfig", () => {
  const context = { runRoot: "/run/slipway", socketGroup: { name: "root", gid: 0 }, certificates: undefined };

  it("listens on <run root>/<app>-metrics.sock unless told otherwise, and not at all when off", () => {
    expect(loadMetricsConfig("layer-store", {}, context)?.bind).toBe("unix:/run/slipway/layer-store-metrics.sock");
    expect(loadMetricsConfig("engine-api", { SLIPWAY_ENGINE_API_METRICS_BIND: "unix:/tmp/m.sock" }, context)?.bind).toBe("unix:/tmp/m.sock");
    expect(loadMetricsConfig("layer-store", { SLIPWAY_METRICS: "off" }, context)).toBeUndefined();
  });

  it("refuses a bad switch, a bad address, and TCP without certificates, saying what to do", () => {
    expect(() => loadMetricsConfig("layer-store", { SLIPWAY_METRICS: "no" }, context)).toThrow(
      new ConfigError('SLIPWAY_METRICS: "no" is neither on nor off; set off to turn every app\'s metrics endpoint off'),
    );
    expect(() => loadMetricsConfig("orchestrator", { SLIPWAY_ORCHESTRATOR_METRICS_BIND: "nowhere" }, context)).toThrow(
      'SLIPWAY_ORCHESTRATOR_METRICS_BIND: "nowhere" is not a valid address',
    );
    expect(() => loadMetricsConfig("orchestrator", { SLIPWAY_ORCHESTRATOR_METRICS_BIND: "127.0.0.1:9704" }, context)).toThrow(
      /served only as HTTPS with client certificates: make certificates with "npx slipway certs --out DIR" and set SLIPWAY_TLS_DIR=DIR/,
    );
  });
});

describe("startMetricsEndpoint", () => {
  it("serves GET /metrics on a 0660 unix socket, and nothing else", async () => {
    const runRoot = mkdtempSync(join(tmpdir(), "metrics-"));
    const metrics = new AppMetrics();
    metrics.held({ containers: () => 2 });
    const config = loadMetricsConfig("container-config", {}, { runRoot, socketGroup: { name: "root", gid: 0 }, certificates: undefined })!;
    const endpoint = await startMetricsEndpoint("container-config", metrics.registry, config, createLogger("test", "silent"));
    try {
      const path = join(runRoot, "container-config-metrics.sock");
      expect(endpoint.url).toBe(`unix://${path}`);
      expect(statSync(path).mode & 0o777).toBe(0o660);
      const scrape = await get(path, "/metrics");
      expect(scrape.status).toBe(200);
      expect(scrape.type).toBe("text/plain; version=0.0.4; charset=utf-8");
      expect(scrape.body).toContain("\nslipway_containers_held 2\n");
      expect((await get(path, "/")).status).toBe(404);
    } finally {
      await endpoint.close();
    }
  });
});

function get(socketPath: string, path: string): Promise<{ status: number; type: string; body: string }> {
  return new Promise((resolve, reject) => {
    request({ socketPath, path }, (res) => {
      let body = "";
      res.setEncoding("utf8").on("data", (chunk: string) => (body += chunk));
      res.once("end", () => resolve({ status: res.statusCode!, type: String(res.headers["content-type"]), body }));
    })
      .once("error", reject)
      .end();
  });
}
