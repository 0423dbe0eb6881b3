import { existsSync, lstatSync } from "node:fs";
import { SlipwayError } from "@slipway/errors";
import { checkHealth, listReflectedServices, type CertificateFiles } from "@slipway/grpc-kit";
import { status, type ServiceError } from "@grpc/grpc-js";
import { getContainerRuntimeClient } from "testcontainers";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import {
  certificateFilesOf,
  DEPLOYMENT,
  GRPC_APPS,
  pingEngineApi,
  SLIPWAY_APPS,
  SlipwayStack,
  STACK_LABEL,
  TLS_DIR_IN_CONTAINER,
} from "../src/index.js";
import { docker } from "./docker-cli.js";
import { notOwnedByRoot } from "./tree.js";

let stack: SlipwayStack;
let stopped = false;
/** The test's own client certificate (any the stack's CA signed passes a health check). */
let cli: CertificateFiles;

beforeAll(async () => {
  stack = await SlipwayStack.start({ image: inject("slipwayImage") });
  cli = stack.tls.certificates("cli");
});

afterAll(async () => {
  cli?.close();
  if (!stopped) await stack?.stop();
});

const PROTO_SERVICE: Record<(typeof GRPC_APPS)[number], string> = {
  "layer-store": "slipway.layerstore.v1.LayerStoreService",
  "image-store": "slipway.imagestore.v1.ImageStoreService",
  "container-config": "slipway.containerconfig.v1.ContainerConfigService",
  orchestrator: "slipway.orchestrator.v1.OrchestratorService",
};

describe("a started SlipwayStack", () => {
  it.each(GRPC_APPS)("%s answers health SERVING and lists its service through reflection, over mutual TLS", async (app) => {
    const address = stack.grpcAddress(app);
    expect(address).toMatch(/^127\.0\.0\.1:\d+$/);
    expect(await checkHealth(address, "", 2_000, { certificates: cli, app })).toBe("SERVING");
    expect(await listReflectedServices(address, 5_000, cli)).toContain(PROTO_SERVICE[app]);
  });

  it("engine-api answers /_ping over HTTPS on its 127.0.0.1 port and on its socket in the bind-mounted run dir", async () => {
    expect(stack.engineApi.tcpUrl).toBe(`tcp://127.0.0.1:${stack.engineApi.port}`);
    expect(await pingEngineApi({ host: "127.0.0.1", port: stack.engineApi.port, tls: stack.tls.pem("cli") })).toBe(200);
    expect(lstatSync(stack.engineApi.socketPath).isSocket()).toBe(true);
    expect(lstatSync(stack.engineApi.socketPath)).toMatchObject({ uid: 0, gid: 0 });
    expect(lstatSync(stack.engineApi.socketPath).mode & 0o777).toBe(0o660);
    expect(await pingEngineApi({ socketPath: stack.engineApi.socketPath })).toBe(200);
  });

  it("the stock docker CLI talks to engine-api over TCP with --tlsverify and the cli certificate, and over the socket", async () => {
    const version = ["version", "--format", "{{.Server.Platform.Name}} {{.Server.Os}}"];
    expect(await stack.docker(version, { over: "tls" })).toBe("Slipway linux");
    expect(await stack.docker(version)).toBe("Slipway linux");
    expect(await docker({}, [...stack.engineApi.tlsFlags, ...version])).toBe("Slipway linux");
  });

  it("engine-api's TCP listener refuses plain HTTP and TLS without a client certificate", async () => {
    await expect(docker(stack.engineApi.tcpUrl, ["version"])).rejects.toThrow();
    expect(await pingEngineApi({ host: "127.0.0.1", port: stack.engineApi.port })).not.toBe(200);
    const withoutClientCert = ["--tls", "--tlscacert", stack.tls.caPath, "-H", stack.engineApi.tcpUrl, "version"];
    await expect(docker({}, withoutClientCert)).rejects.toThrow(/certificate|tls|handshake/i);
  });

  it("the access policy holds from the host: an identity may call only what it is granted", async () => {
    // cli may use image-store, but layer-store serves only the orchestrator and image-store.
    expect((await stack.clientsAs("cli").imageStore.listImages({ all: true, filters: {} })).images).toEqual([]);
    const refused = await stack
      .clientsAs("cli")
      .layerStore.listVolumes({ names: [] })
      .then(
        () => undefined,
        (err: unknown) => err,
      );
    expect(refused).toBeInstanceOf(SlipwayError);
    expect(((refused as SlipwayError).cause as ServiceError).code).toBe(status.PERMISSION_DENIED);
    expect((await stack.clients.layerStore.listVolumes({ names: [] })).volumes).toEqual([]);
  });

  it.each(SLIPWAY_APPS)("%s has only the CA certificate and its own pair, read-only, in its TLS dir", async (app) => {
    const mounts = (
      await stack.container(app).exec(["sh", "-c", `ls ${TLS_DIR_IN_CONTAINER}; grep ' ${TLS_DIR_IN_CONTAINER}/' /proc/self/mounts`])
    ).stdout
      .trim()
      .split("\n");
    const files = [...certificateFilesOf(app)].sort();
    expect(mounts.slice(0, 3)).toEqual(files);
    const readOnly = mounts
      .slice(3)
      .map((line) => line.split(" "))
      .map(([, target, , options]) => `${target} ${options!.split(",")[0]}`);
    expect(readOnly.sort()).toEqual(files.map((file) => `${TLS_DIR_IN_CONTAINER}/${file} ro`));
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
    expect(result.stdout.split("\n")).toEqual(expect.arrayContaining(["durable_fs_native.node", "layer_tar_native.node"]));
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
  for (const app of GRPC_APPS) expect(await checkHealth(s.grpcAddress(app), "", 2_000, { certificates: cli, app }), app).toBe("SERVING");
  expect(await pingEngineApi({ host: "127.0.0.1", port: s.engineApi.port, tls: s.tls.pem("cli") })).toBe(200);
}
