import { existsSync, lstatSync } from "node:fs";
import { checkHealth, listReflectedServices } from "@slipway/grpc-kit";
import { getContainerRuntimeClient } from "testcontainers";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { DEPLOYMENT, GRPC_APPS, pingEngineApi, SLIPWAY_APPS, SlipwayStack, STACK_LABEL } from "../src/index.js";
import { docker } from "./docker-cli.js";
import { notOwnedByRoot } from "./tree.js";

let stack: SlipwayStack;
let stopped = false;

beforeAll(async () => {
  stack = await SlipwayStack.start({ image: inject("slipwayImage") });
});

afterAll(async () => {
  if (!stopped) await stack?.stop();
});

const PROTO_SERVICE: Record<(typeof GRPC_APPS)[number], string> = {
  "layer-store": "slipway.layerstore.v1.LayerStoreService",
  "image-store": "slipway.imagestore.v1.ImageStoreService",
  "container-config": "slipway.containerconfig.v1.ContainerConfigService",
  orchestrator: "slipway.orchestrator.v1.OrchestratorService",
};

describe("a started SlipwayStack", () => {
  it.each(GRPC_APPS)("%s answers health SERVING and lists its service through reflection", async (app) => {
    const address = stack.grpcAddress(app);
    expect(address).toMatch(/^127\.0\.0\.1:\d+$/);
    expect(await checkHealth(address)).toBe("SERVING");
    expect(await listReflectedServices(address)).toContain(PROTO_SERVICE[app]);
  });

  it("engine-api answers /_ping on its 127.0.0.1 port and on its socket in the bind-mounted run dir", async () => {
    expect(await pingEngineApi({ host: "127.0.0.1", port: stack.engineApi.port })).toBe(200);
    expect(lstatSync(stack.engineApi.socketPath).isSocket()).toBe(true);
    expect(lstatSync(stack.engineApi.socketPath)).toMatchObject({ uid: 0, gid: 0 });
    expect(lstatSync(stack.engineApi.socketPath).mode & 0o777).toBe(0o660);
    expect(await pingEngineApi({ socketPath: stack.engineApi.socketPath })).toBe(200);
  });

  it("the stock docker CLI talks to engine-api over TCP and over the socket", async () => {
    for (const dockerHost of [stack.engineApi.tcpUrl, stack.engineApi.socketUrl]) {
      expect(await docker(dockerHost, ["version", "--format", "{{.Server.Platform.Name}} {{.Server.Os}}"])).toBe("Slipway linux");
    }
  });

  it.each(SLIPWAY_APPS)("%s runs as its documented user and capabilities, and the image's HEALTHCHECK passes in it", async (app) => {
    const container = stack.container(app);
    const uid = await container.exec(["id", "-u"]);
    expect(uid.output.trim()).toBe(DEPLOYMENT[app].user === "0:0" ? "0" : "1000");
    const status = (await container.exec(["cat", "/proc/1/status"])).stdout;
    const effective = BigInt(`0x${/^CapEff:\s*([0-9a-f]+)$/m.exec(status)![1]}`);
    const CAP_SYS_ADMIN = 21n;
    if (DEPLOYMENT[app].user === "node" || DEPLOYMENT[app].capDrop.includes("ALL")) expect(effective).toBe(0n);
    else expect((effective >> CAP_SYS_ADMIN) & 1n).toBe(DEPLOYMENT[app].capAdd.includes("SYS_ADMIN") ? 1n : 0n);
    const health = await container.exec(["node", "/app/tools/docker/healthcheck.mjs"]);
    expect(health).toMatchObject({ exitCode: 0 });
  });

  it("the native addons staged from the host load inside the layer-store container", async () => {
    const loadAll = [
      "const { readdirSync, existsSync } = require('node:fs');",
      "for (const lib of readdirSync('/app/libs')) {",
      "  const dir = `/app/libs/${lib}/build/Release`;",
      "  if (!existsSync(dir)) continue;",
      "  for (const f of readdirSync(dir).filter((f) => f.endsWith('.node'))) { process.dlopen({ exports: {} }, `${dir}/${f}`); console.log(f); }",
      "}",
    ].join("\n");
    const result = await stack.container("layer-store").exec(["node", "-e", loadAll]);
    expect(result).toMatchObject({ exitCode: 0 });
    expect(result.stdout.split("\n")).toContain("layer_tar_native.node");
  });

  it("the HEALTHCHECK fails, saying why, when the app does not answer", async () => {
    const health = await stack
      .container("orchestrator")
      .exec(["node", "/app/tools/docker/healthcheck.mjs"], { env: { SLIPWAY_ORCHESTRATOR_BIND: "0.0.0.0:1" } });
    expect(health.exitCode).toBe(1);
    expect(health.stderr).toContain("orchestrator at 127.0.0.1:1");
  });

  it("everything in the shared data root is root:root, as dockerd expects", () => {
    expect(notOwnedByRoot(stack.dataRoot)).toEqual([]);
  });

  // create-flow kills each app in the middle of creates; here, the graceful path.
  it.each(["layer-store", "engine-api"] as const)("%s comes back healthy after a graceful restart, on the same addresses", async (app) => {
    await stack.restart(app, { graceful: true });
    await expectAllHealthy(stack);
    expect(await pingEngineApi({ socketPath: stack.engineApi.socketPath })).toBe(200);
  });

  it("stop() removes every container, the network and the temp dirs", async () => {
    const { dataRoot, runRoot, id } = stack;
    stopped = true;
    await stack.stop();
    const dockerode = (await getContainerRuntimeClient()).container.dockerode;
    const filters = JSON.stringify({ label: [`${STACK_LABEL}=${id}`] });
    expect(await dockerode.listContainers({ all: true, filters })).toEqual([]);
    expect(await dockerode.listNetworks({ filters })).toEqual([]);
    expect(existsSync(dataRoot) || existsSync(runRoot)).toBe(false);
  });
});

async function expectAllHealthy(s: SlipwayStack): Promise<void> {
  for (const app of GRPC_APPS) expect(await checkHealth(s.grpcAddress(app)), app).toBe("SERVING");
  expect(await pingEngineApi({ host: "127.0.0.1", port: s.engineApi.port })).toBe(200);
}
