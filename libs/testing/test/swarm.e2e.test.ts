import { execFile } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { get as httpsGet } from "node:https";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { promisify } from "node:util";
import { expect, inject, it } from "vitest";
import { REPO_ROOT } from "../src/image.js";
import { freeTcpPort, startSecondDockerd, SWARM_GATEWAY_BRIDGE, type SecondDockerd } from "@slipway/throwaway-dockerd";
import { saveGoldenImage } from "./golden.js";

// deploy/swarm/stack.yml for real: a throwaway dockerd (never the host's) becomes a one-node swarm, the
// stack is deployed from the file as an operator would (certificates as secrets, host paths and ports
// from env), the stock docker CLI creates a container through engine-api's socket on the "node", and
// everything is taken down again, leaving no bridge, process or mount behind.

const run = promisify(execFile);
const STACK = "slipway";
const APPS = ["layer-store", "image-store", "container-config", "orchestrator", "engine-api"] as const;
const GRPC_PORT_ENV = ["SLIPWAY_LAYER_STORE_PORT", "SLIPWAY_IMAGE_STORE_PORT", "SLIPWAY_CONTAINER_CONFIG_PORT", "SLIPWAY_ORCHESTRATOR_PORT"];
const METRICS_PORT_ENV = APPS.map((app) => `SLIPWAY_${app.toUpperCase().replace(/-/g, "_")}_METRICS_PORT`);
const CONVERGE_TIMEOUT_MS = 90_000;

it("deploy/swarm/stack.yml runs one healthy Slipway on a swarm node that the docker CLI creates through, and leaves nothing behind", async () => {
  // docker_gwbridge is one name per host: if the host already has one, this test would share (and judge) it.
  expect(
    await linkExists(SWARM_GATEWAY_BRIDGE),
    `the host already has a ${SWARM_GATEWAY_BRIDGE} link; this test needs a host that is in no swarm`,
  ).toBe(false);
  const dir = mkdtempSync(join(tmpdir(), "slipway-swarm-"));
  const dataRoot = join(dir, "data"); // the node's Slipway data root (SLIPWAY_DATA_ROOT_HOST)
  const runDir = join(dir, "run"); // the node's /run/slipway (SLIPWAY_RUN_DIR_HOST)
  const certs = join(dir, "certs");
  mkdirSync(dataRoot);
  mkdirSync(runDir);
  let daemon: SecondDockerd | undefined;
  try {
    const [started, golden] = await Promise.all([
      // Offline: swarm tasks use the loaded image instead of asking a registry for a newer one first.
      startSecondDockerd({ dataRoot: join(dir, "dockerd"), env: { DOCKER_SERVICE_PREFER_OFFLINE_IMAGE: "1" } }),
      saveGoldenImage(dir),
      run("node", [join(REPO_ROOT, "tools/dist/cli/main.js"), "certs", "--out", certs]),
    ]);
    daemon = started;
    const node = (...args: string[]) => docker(started.dockerHost, args);
    await started.initSwarm();
    await run("bash", ["-o", "pipefail", "-c", 'docker save "$1" | docker -H "$2" load', "load", inject("slipwayImage"), started.dockerHost]);

    const ports = await Promise.all(GRPC_PORT_ENV.map(() => freeTcpPort()));
    const metricsPorts = await Promise.all(METRICS_PORT_ENV.map(() => freeTcpPort()));
    const env = {
      SLIPWAY_CERTS: certs,
      SLIPWAY_IMAGE: inject("slipwayImage"),
      SLIPWAY_DATA_ROOT_HOST: dataRoot,
      SLIPWAY_RUN_DIR_HOST: runDir,
      ...Object.fromEntries(GRPC_PORT_ENV.map((name, i) => [name, String(ports[i])])),
      ...Object.fromEntries(METRICS_PORT_ENV.map((name, i) => [name, String(metricsPorts[i])])),
    };
    await docker(started.dockerHost, ["stack", "deploy", "--resolve-image", "never", "-c", join(REPO_ROOT, "deploy/swarm/stack.yml"), STACK], env);
    await waitUntilConverged(started);

    // The apps run as the file says: host network, their users and capabilities, only their own secrets, 0400.
    for (const app of APPS) {
      const [id] = (await node("ps", "-q", "--filter", `label=com.docker.swarm.service.name=${STACK}_${app}`)).split("\n");
      const uid = app === "orchestrator" ? "1000" : "0";
      expect(await node("inspect", "-f", "{{.HostConfig.NetworkMode}} {{.Config.User}} {{.HostConfig.CapAdd}} {{.HostConfig.CapDrop}}", id!)).toBe(
        `host ${uid}:${uid} ${app === "layer-store" ? "[CAP_SYS_ADMIN] []" : "[] [ALL]"}`,
      );
      expect(
        (await node("exec", id!, "stat", "-c", "%n %u %a", "/run/secrets/ca.crt", `/run/secrets/${app}.crt`, `/run/secrets/${app}.key`)).split("\n"),
      ).toEqual([`ca.crt`, `${app}.crt`, `${app}.key`].map((file) => `/run/secrets/${file} ${uid} 400`));
      expect(await node("exec", id!, "ls", "/run/secrets")).toBe(["ca.crt", `${app}.crt`, `${app}.key`].sort().join("\n"));
    }
    // The gRPC apps listen on the node's loopback only, at the ports given.
    const listening = (await run("ss", ["-Hltn"])).stdout;
    for (const port of [...ports, ...metricsPorts]) expect(listening).toMatch(new RegExp(`127\\.0\\.0\\.1:${port}\\s`));
    for (const port of [...ports, ...metricsPorts]) expect(listening).not.toMatch(new RegExp(`(0\\.0\\.0\\.0|\\*|\\[::\\]):${port}\\s`));
    // Each app's metrics answer a client with a certificate from the CA (a Prometheus on the node), and no other.
    for (const port of metricsPorts) {
      expect(await scrape(port, certs, "cli")).toMatch(/^# TYPE (grpc_server_handled_total|http_requests_total) counter$/m);
      await expect(scrape(port, certs)).rejects.toThrow();
    }

    // The docker CLI on the node: engine-api's socket in the host run dir, root-only like docker.sock.
    const socket = `unix://${join(runDir, "docker.sock")}`;
    expect((await run("stat", ["-c", "%a %u", runDir, join(runDir, "docker.sock")])).stdout.trim().split("\n")).toEqual(["750 0", "660 0"]);
    expect(await docker(socket, ["load", "-i", golden])).toBe("Loaded image: golden:1");
    const id = await docker(socket, ["create", "-it", "--name", "demo", "golden:1"]);
    expect(id).toMatch(/^[0-9a-f]{64}$/);
    expect(await docker(socket, ["ps", "-a", "--no-trunc", "--format", "{{.ID}} {{.Names}} {{.Status}}"])).toBe(`${id} demo Created`);
    // ... and it is on the node's disk, in the data root the three stores share.
    expect(existsSync(join(dataRoot, "containers", id, "config.v2.json"))).toBe(true);
    expect(existsSync(join(dataRoot, "containers", id, "hostconfig.json"))).toBe(true);
    const mountId = readFileSync(join(dataRoot, "image/overlay2/layerdb/mounts", id, "mount-id"), "utf8");
    expect(existsSync(join(dataRoot, "overlay2", mountId, "diff"))).toBe(true);

    // The node made its swarm gateway bridge (so that the check at the end, that it is gone, means something).
    expect(await linkExists(SWARM_GATEWAY_BRIDGE)).toBe(true);

    // Down again as an operator would: the stack, its containers, the swarm.
    await node("stack", "rm", STACK);
    await waitFor(
      "the stack's containers to be removed",
      60_000,
      async () => (await node("ps", "-aq", "--filter", `label=com.docker.stack.namespace=${STACK}`)) === "",
    );
    await node("swarm", "leave", "--force");
    expect(await node("info", "--format", "{{.Swarm.LocalNodeState}}")).toBe("inactive");
  } finally {
    await daemon?.stop();
  }
  const workDir = dirname(daemon!.socketPath);
  // Nothing left: no swarm bridge, no bridge of the throwaway dockerd, no process of it, no mount.
  expect(await linkExists(SWARM_GATEWAY_BRIDGE), `${SWARM_GATEWAY_BRIDGE} is left on the host`).toBe(false);
  expect(await linkExists(daemon!.bridge), `${daemon!.bridge} is left on the host`).toBe(false);
  expect(processesMentioning(workDir), `processes of the throwaway dockerd are left`).toEqual([]);
  expect(readFileSync("/proc/self/mountinfo", "utf8")).not.toContain(workDir);
  expect(readFileSync("/proc/self/mountinfo", "utf8")).not.toContain(dir);
  expect(existsSync(workDir)).toBe(false);
  rmSync(dir, { recursive: true, force: true });
}, 180_000);

/** Every service global 1/1 and every task's container running and healthy; the tasks' errors if not. */
async function waitUntilConverged(daemon: SecondDockerd): Promise<void> {
  const node = (...args: string[]) => docker(daemon.dockerHost, args);
  const state = async () => ({
    services: (await node("service", "ls", "--filter", `label=com.docker.stack.namespace=${STACK}`, "--format", "{{.Name}} {{.Mode}} {{.Replicas}}"))
      .split("\n")
      .sort(),
    containers: (
      await node("ps", "--filter", `label=com.docker.stack.namespace=${STACK}`, "--format", '{{.Label "com.docker.swarm.service.name"}} {{.Status}}')
    )
      .split("\n")
      .sort(),
  });
  const converged = (s: Awaited<ReturnType<typeof state>>) =>
    s.services.join("\n") ===
      APPS.map((app) => `${STACK}_${app} global 1/1`)
        .sort()
        .join("\n") &&
    s.containers.length === APPS.length &&
    s.containers.every((line) => /^\S+ Up .*\(healthy\)$/.test(line)) &&
    new Set(s.containers.map((line) => line.split(" ")[0])).size === APPS.length;
  const deadline = Date.now() + CONVERGE_TIMEOUT_MS;
  let last = await state();
  while (!converged(last)) {
    if (Date.now() > deadline) {
      const tasks = await node("stack", "ps", "--no-trunc", "--format", "{{.Name}} {{.CurrentState}} {{.Error}}", STACK).catch(
        (err: Error) => err.message,
      );
      throw new Error(
        `the stack did not converge within ${CONVERGE_TIMEOUT_MS} ms:\n${last.services.join("\n")}\n${last.containers.join("\n")}\n` +
          `tasks:\n${tasks}\ncontainers:\n${await containerReports(daemon)}`,
      );
    }
    await new Promise((resolve) => setTimeout(resolve, 1_000));
    last = await state();
  }
}

/** Each of the stack's containers, stopped ones too: exit code, last health probes and last log lines. */
async function containerReports(daemon: SecondDockerd): Promise<string> {
  const node = (...args: string[]) => docker(daemon.dockerHost, args).catch((err: Error) => err.message);
  const ids = (await node("ps", "-aq", "--filter", `label=com.docker.stack.namespace=${STACK}`)).split("\n").filter(Boolean);
  const reports = await Promise.all(
    ids.map(async (id) => {
      const state = await node(
        "inspect",
        "-f",
        "{{.Name}} {{.State.Status}} exit={{.State.ExitCode}} started={{.State.StartedAt}} finished={{.State.FinishedAt}}",
        id,
      );
      const probes = await node(
        "inspect",
        "-f",
        "{{if .State.Health}}{{range .State.Health.Log}}{{.Start}} exit={{.ExitCode}} {{.Output}}\n{{end}}{{end}}",
        id,
      );
      const logs = await run("docker", ["-H", daemon.dockerHost, "logs", "--tail", "15", id]).then(
        ({ stdout, stderr }) => `${stdout}${stderr}`.trim(),
        (err: Error) => err.message,
      );
      return `${state}\n  health probes:\n${probes}\n  last log lines:\n${logs}`;
    }),
  );
  return reports.join("\n\n");
}

async function waitFor(what: string, timeoutMs: number, done: () => Promise<boolean>): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await done())) {
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
}

/** The stock docker CLI against `host`; trimmed stdout, or an error with its stderr. */
async function docker(host: string, args: string[], env: Record<string, string> = {}): Promise<string> {
  try {
    const { stdout } = await run("docker", args, { env: { ...process.env, ...env, DOCKER_HOST: host }, maxBuffer: 16 * 1024 * 1024 });
    return stdout.trim();
  } catch (err) {
    const { stderr = "" } = err as { stderr?: string };
    throw new Error(`docker ${args.join(" ")} (DOCKER_HOST=${host}) failed: ${stderr.trim() || String(err)}`, { cause: err });
  }
}

/** GET /metrics over HTTPS on the node's loopback, trusting Slipway's CA, with `client`'s certificate if given. */
async function scrape(port: number, certs: string, client?: string): Promise<string> {
  const identity = client ? { cert: readFileSync(join(certs, `${client}.crt`)), key: readFileSync(join(certs, `${client}.key`)) } : {};
  return new Promise((resolve, reject) => {
    const request = httpsGet({ host: "127.0.0.1", port, path: "/metrics", ca: readFileSync(join(certs, "ca.crt")), ...identity }, (response) => {
      let body = "";
      response.setEncoding("utf8").on("data", (chunk: string) => (body += chunk));
      response.on("end", () =>
        response.statusCode === 200 ? resolve(body) : reject(new Error(`GET /metrics on port ${port}: ${response.statusCode}`)),
      );
    });
    request.on("error", reject);
  });
}

async function linkExists(name: string): Promise<boolean> {
  return run("ip", ["link", "show", name]).then(
    () => true,
    () => false,
  );
}

/** Processes whose command line names `path` (dockerd, its containerd and shims all name the work dir). */
function processesMentioning(path: string): string[] {
  return readdirSync("/proc")
    .filter((entry) => /^\d+$/.test(entry))
    .flatMap((pid) => {
      try {
        const cmdline = readFileSync(`/proc/${pid}/cmdline`, "utf8").replace(/\0/g, " ");
        return cmdline.includes(path) ? [`${pid}: ${cmdline}`] : [];
      } catch {
        return []; // gone while we looked
      }
    });
}
