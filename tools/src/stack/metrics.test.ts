import { existsSync } from "node:fs";
import { request as httpRequest } from "node:http";
import { join } from "node:path";
import { Readable } from "node:stream";
import { afterAll, describe, expect, it } from "vitest";
import { EngineClient } from "../bench/engine-client.js";
import { sampleImage } from "../sample-image/sample-image.js";
import { GRPC_APPS } from "./apps.js";
import { launchStack, localStackEnv, untilUp, type LocalStack } from "./local-stack.js";

const APPS = [...GRPC_APPS, "engine-api"] as const;
const stacks: LocalStack[] = [];
afterAll(() => Promise.all(stacks.map((s) => s.stop())));

async function startStack(args: readonly string[], extraEnv: NodeJS.ProcessEnv = {}): Promise<LocalStack> {
  const { env, addresses, root } = await localStackEnv();
  const stack = await untilUp(launchStack(root, { ...env, ...extraEnv }, addresses, args), 60_000);
  stacks.push(stack);
  return stack;
}

/** GET /metrics over an app's metrics socket: its sample lines, without HELP and TYPE. */
function scrape(stack: LocalStack, app: string): Promise<string[]> {
  return new Promise((resolve, reject) => {
    httpRequest({ socketPath: join(stack.runRoot, `${app}-metrics.sock`), path: "/metrics" }, (res) => {
      let text = "";
      res.setEncoding("utf8").on("data", (chunk: string) => (text += chunk));
      res.once("end", () => (res.statusCode === 200 ? resolve(text.split("\n").filter((l) => l && !l.startsWith("#"))) : reject(new Error(text))));
    })
      .once("error", reject)
      .end();
  });
}

const rpc = (side: string, type: string, service: string, method: string, code = "OK") =>
  `grpc_${side}_handled_total{grpc_type="${type}",grpc_service="slipway.${service.toLowerCase()}.v1.${service}Service",grpc_method="${method}",grpc_code="${code}"} 1`;

/** The value of the first sample whose line starts with `prefix`. */
const valueOf = (lines: readonly string[], prefix: string) =>
  Number(
    lines
      .find((l) => l.startsWith(prefix))
      ?.split(" ")
      .at(-1),
  );

describe("each app's metrics endpoint", () => {
  it.each([
    ["in one process", []],
    ["with --split", ["--split"]],
  ])(
    "counts one docker create %s: RPCs on both sides, the HTTP request, its latency, flush rounds, what is held",
    async (_mode, args) => {
      const stack = await startStack(args);
      for (const app of APPS)
        expect(stack.output()).toMatch(new RegExp(`^  ${app} metrics +unix://${join(stack.runRoot, `${app}-metrics.sock`)}$`, "m"));
      const engine = new EngineClient(stack.socketPath);
      const image = sampleImage();
      expect((await engine.call("POST", "/images/load?quiet=1", Readable.from([image.archive]), "application/x-tar")).status).toBe(200);
      expect((await engine.call("POST", "/containers/create?name=t24-metrics", JSON.stringify({ Image: image.reference }))).status).toBe(201);
      engine.close();

      const engineApi = await scrape(stack, "engine-api");
      expect(engineApi).toContain('http_requests_total{method="POST",route="/containers/create",status="201"} 1');
      expect(engineApi).toContain(rpc("client", "unary", "Orchestrator", "CreateContainer"));
      const orchestrator = await scrape(stack, "orchestrator");
      expect(orchestrator).toContain(rpc("server", "unary", "Orchestrator", "CreateContainer"));
      expect(orchestrator).toContain(rpc("client", "bidi_stream", "ContainerConfig", "CreateContainerRecord"));
      expect(orchestrator).toContain(rpc("client", "unary", "LayerStore", "CreateContainerLayers"));
      expect(orchestrator).toContain("slipway_container_create_seconds_count 1");
      const layerStore = await scrape(stack, "layer-store");
      expect(layerStore).toContain(rpc("server", "unary", "LayerStore", "CreateContainerLayers"));
      expect(layerStore).toContain(`slipway_layers_held ${image.diffIds.length}`);
      expect(layerStore).toContain("slipway_rw_layers_held 1");
      expect(layerStore).toContain("slipway_volumes_held 1");
      const containerConfig = await scrape(stack, "container-config");
      expect(containerConfig).toContain(rpc("server", "bidi_stream", "ContainerConfig", "CreateContainerRecord"));
      expect(containerConfig).toContain("slipway_containers_held 1");
      expect(await scrape(stack, "image-store")).toContain("slipway_images_held 1");
      for (const flushing of [layerStore, containerConfig]) {
        expect(valueOf(flushing, "slipway_flush_round_callers_count")).toBeGreaterThanOrEqual(1);
        expect(valueOf(flushing, "slipway_flush_round_seconds_count")).toBeGreaterThanOrEqual(1);
        expect(flushing).toContain("slipway_flush_round_failures_total 0");
      }
      for (const app of APPS) expect(valueOf(await scrape(stack, app), "process_cpu_user_seconds_total")).toBeGreaterThan(0);
    },
    90_000,
  );

  it("SLIPWAY_METRICS=off: no endpoint and none printed", async () => {
    const stack = await startStack([], { SLIPWAY_METRICS: "off" });
    expect(stack.output()).not.toContain(" metrics ");
    for (const app of APPS) expect(existsSync(join(stack.runRoot, `${app}-metrics.sock`))).toBe(false);
  }, 90_000);
});
