import { execFile } from "node:child_process";
import { mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import { status, type ServiceError } from "@grpc/grpc-js";
import { SlipwayError } from "@slipway/errors";
import { createClient } from "@slipway/grpc-kit";
import { layerstore, orchestrator } from "@slipway/proto";
import { RandomPortGenerator } from "testcontainers";
import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import {
  CertificateDir,
  certificateFilesOf,
  DEPLOYMENT,
  REPO_ROOT,
  SLIPWAY_APPS,
  testComposeProject,
  TLS_DIR_IN_CONTAINER,
  type SlipwayApp,
} from "../src/index.js";
import { docker } from "./docker-cli.js";
import { saveGoldenImage } from "./golden.js";

// docker-compose.yml as a person runs it: Debian's docker-compose (1.29; CI installs it), certificates from
// the real `slipway certs`, the e2e image, then a create through engine-api over its socket and over TLS.
// Everything that could collide with another run is this run's own: project name, published host ports,
// certificates and run dir.

const run = promisify(execFile);
const project = testComposeProject(); // global-setup removes it if this process dies before `down`
const PROJECT_LABEL = `com.docker.compose.project=${project}`;
let workDir: string;
let certs: CertificateDir;
let composeEnv: Record<string, string>;
let hostPorts: Record<SlipwayApp, number>;
let goldenArchive: string;
let upStarted = false;

/** docker-compose on the repo's file, as this run's project with this run's settings; resolves to stdout. */
async function compose(...args: string[]): Promise<string> {
  try {
    const { stdout } = await run("docker-compose", ["-f", join(REPO_ROOT, "docker-compose.yml"), "-p", project, ...args], {
      env: { ...process.env, ...composeEnv },
      maxBuffer: 16 * 1024 * 1024,
    });
    return stdout.trim();
  } catch (err) {
    const { stderr = "" } = err as { stderr?: string };
    throw new Error(`docker-compose ${args.join(" ")} failed: ${stderr.trim() || String(err)}`, { cause: err });
  }
}

/** Fails the whole file, saying what to do, when docker-compose is missing: CI installs it, so this is never a skip. */
async function requireDockerCompose(): Promise<string> {
  const version = await run("docker-compose", ["version", "--short"]).then(
    ({ stdout }) => stdout.trim(),
    (err: NodeJS.ErrnoException) => {
      throw new Error(`docker-compose is not installed (${err.code ?? err.message}): apt-get install docker-compose (.ci/run installs it)`);
    },
  );
  return version;
}

async function freePorts(): Promise<Record<SlipwayApp, number>> {
  const generator = new RandomPortGenerator();
  const ports = await Promise.all(SLIPWAY_APPS.map(() => generator.generatePort()));
  return Object.fromEntries(SLIPWAY_APPS.map((app, i) => [app, ports[i]!])) as Record<SlipwayApp, number>;
}

/** Makes the certificates with the real CLI, as the compose file's comment tells a person to. */
async function slipwayCerts(outDir: string): Promise<CertificateDir> {
  await run("node", [join(REPO_ROOT, "tools/dist/cli/main.js"), "certs", "--out", outDir, "--key-owner", "orchestrator=1000:1000"]);
  return new CertificateDir(outDir);
}

/** Each service's container and its health, from Docker's own healthchecks (the image's HEALTHCHECK script). */
async function healthOfServices(): Promise<Map<string, string>> {
  const ids = (await compose("ps", "-q")).split("\n").filter(Boolean);
  if (ids.length === 0) return new Map();
  const format = '{{index .Config.Labels "com.docker.compose.service"}} {{.State.Status}}/{{if .State.Health}}{{.State.Health.Status}}{{end}}';
  const lines = (await docker({}, ["inspect", "--format", format, ...ids])).split("\n");
  return new Map(lines.map((line) => line.split(" ") as [string, string]));
}

async function waitUntilAllHealthy(timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  let last = new Map<string, string>();
  while (Date.now() < deadline) {
    last = await healthOfServices();
    if (SLIPWAY_APPS.every((app) => last.get(app) === "running/healthy")) return;
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
  throw new Error(
    `not every service became healthy within ${timeoutMs} ms: ${JSON.stringify(Object.fromEntries(last))}\n${await compose("logs", "--tail", "20")}`,
  );
}

const socketHost = () => `unix://${join(workDir, "run", "docker.sock")}`;
const tcpUrl = () => `tcp://127.0.0.1:${hostPorts["engine-api"]}`;

beforeAll(async () => {
  const version = await requireDockerCompose();
  console.info(`docker-compose ${version}, project ${project}`);
  workDir = mkdtempSync(join(tmpdir(), "slipway-compose-"));
  mkdirSync(join(workDir, "run"));
  [certs, hostPorts, goldenArchive] = await Promise.all([slipwayCerts(join(workDir, "certs")), freePorts(), saveGoldenImage(workDir)]);
  composeEnv = {
    SLIPWAY_IMAGE: inject("slipwayImage"),
    SLIPWAY_CERTS_DIR: certs.dir,
    SLIPWAY_RUN_DIR: join(workDir, "run"),
    ...Object.fromEntries(SLIPWAY_APPS.map((app) => [DEPLOYMENT[app].hostPortEnv, String(hostPorts[app])])),
  };
  upStarted = true;
  // up -d itself waits for each service's dependencies to be healthy (depends_on: service_healthy).
  await compose("up", "-d").catch(async (err: Error) => {
    throw new Error(`${err.message}\n${await compose("logs", "--tail", "20").catch(() => "")}`);
  });
  await waitUntilAllHealthy(120_000);
}, 300_000);

afterAll(async () => {
  if (upStarted) await compose("down", "-v", "--remove-orphans").catch(() => undefined);
  if (workDir) rmSync(workDir, { recursive: true, force: true });
}, 120_000);

describe("docker-compose.yml with docker-compose", () => {
  it("runs the five services, healthy, each with only the CA certificate and its own pair mounted read-only", async () => {
    const ids = (await compose("ps", "-q")).split("\n");
    const format = '{{index .Config.Labels "com.docker.compose.service"}}{{range .Mounts}} {{.Destination}}:{{.RW}}{{end}}';
    const mounts = new Map(
      (await docker({}, ["inspect", "--format", format, ...ids])).split("\n").map((line) => {
        const [service, ...entries] = line.split(" ");
        return [service!, entries.filter((entry) => entry.startsWith(`${TLS_DIR_IN_CONTAINER}/`)).sort()];
      }),
    );
    for (const app of SLIPWAY_APPS) {
      expect(mounts.get(app), app).toEqual(
        certificateFilesOf(app)
          .map((file) => `${TLS_DIR_IN_CONTAINER}/${file}:false`)
          .sort(),
      );
    }
  });

  it("docker load and docker create through engine-api's socket, published in SLIPWAY_RUN_DIR", async () => {
    expect(await docker(socketHost(), ["load", "-i", goldenArchive])).toContain("Loaded image: golden:1");
    expect(await docker(socketHost(), ["create", "--name", "via-socket", "golden:1"])).toMatch(/^[0-9a-f]{64}$/);
  });

  it("docker create through engine-api's TCP listener with --tlsverify and the cli certificate", async () => {
    const id = await docker({}, [...certs.dockerTlsFlags(tcpUrl()), "create", "-it", "--name", "via-tls", "golden:1"]);
    expect(id).toMatch(/^[0-9a-f]{64}$/);
    const listed = await docker(certs.dockerTlsEnv(tcpUrl()), ["ps", "-a", "--format", "{{.Names}} {{.Status}}"]);
    expect(listed.split("\n").sort()).toEqual(["via-socket Created", "via-tls Created"]);
  });

  it("refuses TCP callers without a client certificate, and identities the access policy does not grant", async () => {
    await expect(docker(tcpUrl(), ["version"])).rejects.toThrow();
    await expect(docker({}, ["--tls", "--tlscacert", certs.caPath, "-H", tcpUrl(), "version"])).rejects.toThrow(/certificate|tls|handshake/i);

    const cli = certs.certificates("cli");
    const grpcAddress = (app: SlipwayApp) => `127.0.0.1:${hostPorts[app]}`;
    const layerStore = createClient(layerstore.LayerStoreServiceService, grpcAddress("layer-store"), { name: "layer-store", certificates: cli });
    const orchestratorClient = createClient(orchestrator.OrchestratorServiceService, grpcAddress("orchestrator"), {
      name: "orchestrator",
      certificates: cli,
    });
    try {
      const refused = await layerStore.listVolumes({ names: [] }).then(
        () => undefined,
        (err: unknown) => err,
      );
      expect(refused).toBeInstanceOf(SlipwayError);
      expect(((refused as SlipwayError).cause as ServiceError).code).toBe(status.PERMISSION_DENIED);
      // cli is the orchestrator's caller: it sees both containers.
      const { containers } = await orchestratorClient.listContainers({ query: { all: true, filters: {}, limit: 0 } });
      expect(containers).toHaveLength(2);
    } finally {
      layerStore.close();
      orchestratorClient.close();
      cli.close();
    }
  });

  it("down -v leaves no container, network or volume of the project", async () => {
    await compose("down", "-v", "--remove-orphans");
    upStarted = false;
    const filter = ["--filter", `label=${PROJECT_LABEL}`];
    expect(await docker({}, ["ps", "-a", "-q", ...filter])).toBe("");
    expect(await docker({}, ["network", "ls", "-q", ...filter])).toBe("");
    expect(await docker({}, ["volume", "ls", "-q", ...filter])).toBe("");
  });
});
