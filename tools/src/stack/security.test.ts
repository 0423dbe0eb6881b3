import { spawnSync } from "node:child_process";
import { X509Certificate } from "node:crypto";
import { chmodSync, mkdtempSync, readdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { get as httpsGetRequest } from "node:https";
import { createServer } from "node:net";
import { connect as tlsConnect } from "node:tls";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { status } from "@grpc/grpc-js";
import { SlipwayError } from "@slipway/errors";
import { bindEnvOf, certificatesFrom, createClient, SERVICES, socketGroupFrom, type ServiceName } from "@slipway/grpc-kit";
import {
  createCertificateAuthority,
  loadCertificateAuthority,
  writeCertificateSet,
  type CertificateAuthority,
  type IssueOptions,
} from "@slipway/pki";
import { layerstore, orchestrator } from "@slipway/proto";
import { afterAll, describe, expect, it } from "vitest";
import { GRPC_APPS } from "./apps.js";
import { launchStack, localStackEnv, untilUp, type LocalStack } from "./local-stack.js";

const NOBODY = 65534;
/** What npm start prints: each gRPC app, engine-api, then each app's metrics endpoint. */
const PRINTED = [...GRPC_APPS, "engine-api", ...[...GRPC_APPS, "engine-api"].map((app) => `${app} metrics`)];
/** A listing method of each gRPC app, in GRPC_APPS order: what a curious user would try first. */
const LIST_METHODS = [
  "/slipway.layerstore.v1.LayerStoreService/ListVolumes",
  "/slipway.imagestore.v1.ImageStoreService/ListImages",
  "/slipway.containerconfig.v1.ContainerConfigService/ListContainers",
  "/slipway.orchestrator.v1.OrchestratorService/ListContainers",
];
const stacks: LocalStack[] = [];
// Ctrl-C, as a person stops npm start: the launcher stops every app it started (a SIGKILL would orphan them).
afterAll(() => Promise.all(stacks.map((s) => s.stop())));

/** A stack whose root others may enter, so that only Slipway's own modes stand between them and its sockets. */
async function startStack(args: readonly string[] = [], extraEnv: (root: string) => Promise<NodeJS.ProcessEnv> = async () => ({})) {
  const root = mkdtempSync(join(tmpdir(), "slipway-sec-"));
  chmodSync(root, 0o755);
  const { env, addresses } = await localStackEnv(root);
  const extra = await extraEnv(root);
  for (const app of GRPC_APPS) if (extra[bindEnvOf(app)]) addresses[app] = extra[SERVICES[app].env]!;
  const stack = await untilUp(launchStack(root, { ...env, ...extra }, addresses, args), 60_000);
  stacks.push(stack);
  return stack;
}

/** The endpoints the launcher printed, as a person would copy them. */
function printedEndpoints(stack: LocalStack): { app: string; url: string }[] {
  return [...stack.output().matchAll(/^ {2}([a-z-]+(?: metrics)?) +((?:unix|grpcs|https):\/\/\S+)/gm)].map((m) => ({ app: m[1]!, url: m[2]! }));
}

/**
 * Tries each endpoint from a process running as `uid`:`gid`: a unix socket is connected to; a gRPC TCP endpoint
 * gets a gRPC call over TLS without a client certificate (node's http2 only, as any local user could), and an
 * HTTPS one a GET without a client certificate.
 */
function probeAs(uid: number, gid: number, urls: readonly string[]): string[] {
  const targets = urls.map((url, i) => ({ url, path: LIST_METHODS[i] ?? "" }));
  const script = `
    const net = require("node:net"), http2 = require("node:http2"), https = require("node:https");
    const probe = ({ url, path }) => new Promise((resolve) => {
      if (url.startsWith("unix://")) {
        const s = net.connect(url.slice(7));
        s.once("connect", () => (s.destroy(), resolve("connected"))).once("error", (e) => resolve(e.code));
        return;
      }
      if (url.startsWith("https://")) {
        https.get(url, { rejectUnauthorized: false }, (res) => (res.resume(), resolve("status " + res.statusCode))).once("error", (e) => resolve(e.code));
        return;
      }
      const session = http2.connect("https://" + url.slice(8), { rejectUnauthorized: false });
      session.once("error", (e) => resolve(e.code));
      const req = session.request({ ":method": "POST", ":path": path, "content-type": "application/grpc", te: "trailers" });
      req.on("trailers", (t) => (session.close(), resolve("grpc-status " + t["grpc-status"])));
      req.on("response", (h) => h["grpc-status"] && (session.close(), resolve("grpc-status " + h["grpc-status"])));
      req.on("data", () => {});
      req.once("error", (e) => resolve(e.code));
      req.end(Buffer.alloc(5));
    });
    Promise.all(${JSON.stringify(targets)}.map(probe)).then((r) => console.log(JSON.stringify(r)));`;
  const run = spawnSync(process.execPath, ["-e", script], { uid, gid, encoding: "utf8", timeout: 20_000 });
  expect(run.stderr).toBe("");
  return JSON.parse(run.stdout) as string[];
}

async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((r) => server.listen(0, "127.0.0.1", r));
  const { port } = server.address() as { port: number };
  await new Promise((r) => server.close(r));
  return port;
}

/** Every gRPC app on a TCP port of loopback, with certificates from `slipway certs` in <root>/tls. */
async function tcpWithTls(root: string): Promise<NodeJS.ProcessEnv> {
  const tlsDir = join(root, "tls");
  await writeCertificateSet(tlsDir);
  const env: NodeJS.ProcessEnv = {
    SLIPWAY_TLS_DIR: tlsDir,
    SLIPWAY_TLS_RELOAD_SECONDS: "1",
    SLIPWAY_ENGINE_API_METRICS_BIND: `127.0.0.1:${await freePort()}`,
  };
  for (const app of GRPC_APPS) {
    const address = `127.0.0.1:${await freePort()}`;
    env[bindEnvOf(app)] = address;
    env[SERVICES[app].env] = address;
  }
  return env;
}

describe("what an unprivileged local user can reach", () => {
  it.each([
    ["in one process", []],
    ["with --split", ["--split"]],
  ])(
    "nothing that npm start prints %s: its sockets are 0660 in a 0750 run root",
    async (_mode, args) => {
      const stack = await startStack(args);
      const endpoints = printedEndpoints(stack);
      expect(endpoints.map((e) => e.app)).toEqual(PRINTED);
      expect(endpoints.every((e) => e.url.startsWith("unix://"))).toBe(true);
      // The framed sockets beside the gRPC ones (not printed: only Slipway's own apps use them) likewise.
      const urls = [...endpoints.map((e) => e.url), ...GRPC_APPS.map((a) => `unix://${join(stack.runRoot, `${a}.framed.sock`)}`)];
      expect(probeAs(NOBODY, NOBODY, urls)).toEqual(urls.map(() => "EACCES"));
      // Members of the socket group (`docker` when the host has one, else root) may connect.
      expect(probeAs(NOBODY, socketGroupFrom(process.env).gid, urls)).toEqual(urls.map(() => "connected"));
      expect(statSync(stack.runRoot).mode & 0o777).toBe(0o750);
      const sockets = readdirSync(stack.runRoot).filter((f) => f.endsWith(".sock"));
      const metricsSockets = [...GRPC_APPS, "engine-api"].map((a) => `${a}-metrics.sock`);
      const framedSockets = GRPC_APPS.map((a) => `${a}.framed.sock`);
      expect(sockets.sort()).toEqual([...GRPC_APPS.map((a) => `${a}.sock`), ...framedSockets, "docker.sock", ...metricsSockets].sort());
      for (const socket of sockets) expect(statSync(join(stack.runRoot, socket)).mode & 0o777).toBe(0o660);
      expect(await stack.stop()).toBe(0);
      expect(readdirSync(stack.runRoot).filter((f) => f.endsWith(".sock"))).toEqual([]);
    },
    90_000,
  );

  it("nothing over TCP without a client certificate, and engine-api's and the metrics sockets stay closed", async () => {
    const stack = await startStack([], tcpWithTls);
    const endpoints = printedEndpoints(stack);
    expect(endpoints.filter((e) => e.url.startsWith("grpcs://")).map((e) => e.app)).toEqual([...GRPC_APPS]);
    const results = probeAs(
      NOBODY,
      NOBODY,
      endpoints.map((e) => e.url),
    );
    expect(endpoints.map((e) => e.app)).toEqual(PRINTED);
    expect(endpoints.at(-1)!.url).toMatch(/^https:\/\//);
    expect(results.slice(0, -1)).toEqual([
      ...GRPC_APPS.map(() => `grpc-status ${status.UNAUTHENTICATED}`),
      ...PRINTED.slice(GRPC_APPS.length, -1).map(() => "EACCES"),
    ]);
    // TLS 1.3 refuses a client without a certificate once the handshake ends: an alert, or a reset racing it.
    expect(results.at(-1)).toMatch(/^(ERR_SSL_TLSV13_ALERT_CERTIFICATE_REQUIRED|ECONNRESET)$/);
    // A client with a certificate from the CA (Prometheus' scrape tls_config) gets the metrics.
    const tlsDir = join(stack.root, "tls");
    const scraped = await httpsGet(
      endpoints.at(-1)!.url,
      ["ca.crt", "cli.crt", "cli.key"].map((file) => readFileSync(join(tlsDir, file))),
    );
    expect(scraped).toMatchObject({ status: 200, body: expect.stringContaining("# TYPE http_requests_total counter") });
  }, 90_000);
});

describe("mutual TLS between the apps of a real stack", () => {
  it("refuses a missing, foreign, expired or wrong-app certificate without touching the disk, and serves the right app", async () => {
    const stack = await startStack(["--split"], tcpWithTls);
    const tlsDir = join(stack.root, "tls");
    const address = stack.addresses["layer-store"];
    const volumesDir = join(stack.dataRoot, "volumes");
    const before = readdirSync(volumesDir).sort();
    const createAs = async (dir: string, name: string) => {
      const client = createClient(layerstore.LayerStoreServiceService, address, {
        name: "layer-store",
        certificates: certificatesFrom(name, dir, {}),
      });
      try {
        await client.createVolume(layerstore.CreateVolumeRequest.fromPartial({ name: "secret-volume" }));
        return "created";
      } catch (err) {
        return err instanceof SlipwayError ? err.kind : String(err);
      } finally {
        client.close();
      }
    };
    const other = await createCertificateAuthority();
    const expired = { notBefore: new Date(Date.now() - 3 * 86_400_000), notAfter: new Date(Date.now() - 86_400_000) };
    expect(await createAs(tlsDir, "engine-api")).toBe("permission_denied");
    expect(await createAs(await identityDir(tlsDir, other, "orchestrator"), "orchestrator")).toBe("unauthenticated");
    expect(await createAs(await identityDir(tlsDir, undefined, "orchestrator", expired), "orchestrator")).toBe("unauthenticated");
    expect(readdirSync(volumesDir).sort()).toEqual(before);
    expect(await createAs(tlsDir, "orchestrator")).toBe("created");
    expect(readdirSync(volumesDir)).toContain("secret-volume");
  }, 90_000);
});

describe("rotation under a running stack", () => {
  it("hands new connections the certificates `slipway certs` wrote again, with no restart", async () => {
    const stack = await startStack(["--split"], tcpWithTls);
    const tlsDir = join(stack.root, "tls");
    const before = await Promise.all(GRPC_APPS.map((app) => serverFingerprint(stack.addresses[app])));
    const { reusedCa } = await writeCertificateSet(tlsDir);
    expect(reusedCa).toBe(true);
    for (const [i, app] of GRPC_APPS.entries()) {
      const fresh = new X509Certificate(readFileSync(join(tlsDir, `${app}.crt`))).fingerprint256;
      await expect.poll(() => serverFingerprint(stack.addresses[app]), { timeout: 10_000, interval: 200 }).toBe(fresh);
      expect(fresh).not.toBe(before[i]);
    }
    // The CLI's new certificate is accepted, and the apps still reach each other (the orchestrator's calls to the stores).
    const client = createClient(orchestrator.OrchestratorServiceService, stack.addresses.orchestrator, {
      name: "orchestrator",
      certificates: certificatesFrom("cli", tlsDir, {}),
    });
    const volume = await client.createVolume(orchestrator.CreateVolumeRequest.fromPartial({ name: "after-rotation" }));
    expect(volume.volume?.name).toBe("after-rotation");
    client.close();
  }, 90_000);
});

/** GET `url` over HTTPS presenting `cert` (the server's certificate names an identity, not the address). */
function httpsGet(url: string, [ca, cert, key]: Buffer[]): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    httpsGetRequest(url, { ca, cert, key, checkServerIdentity: () => undefined }, (res) => {
      let body = "";
      res.setEncoding("utf8").on("data", (chunk: string) => (body += chunk));
      res.once("end", () => resolve({ status: res.statusCode!, body }));
    }).once("error", reject);
  });
}

/** The SHA-256 fingerprint of the certificate a TLS server at host:port presents to a new connection. */
function serverFingerprint(address: string): Promise<string> {
  const [host, port] = address.split(":");
  return new Promise((resolve, reject) => {
    const socket = tlsConnect({ host, port: Number(port), servername: "slipway", rejectUnauthorized: false, ALPNProtocols: ["h2"] }, () => {
      resolve(socket.getPeerCertificate().fingerprint256);
      socket.destroy();
    });
    socket.once("error", reject);
  });
}

/** A directory with the stack's ca.crt and a certificate for `name` issued by `signer` (default: the stack's own CA). */
async function identityDir(tlsDir: string, signer: CertificateAuthority | undefined, name: ServiceName, options: IssueOptions = {}) {
  const ca = signer ?? (await loadCertificateAuthority(readFileSync(join(tlsDir, "ca.crt"), "utf8"), readFileSync(join(tlsDir, "ca.key"), "utf8")));
  const dir = mkdtempSync(join(tmpdir(), "slipway-id-"));
  const { certPem, keyPem } = await ca.issue(name, options);
  writeFileSync(join(dir, "ca.crt"), readFileSync(join(tlsDir, "ca.crt")));
  writeFileSync(join(dir, `${name}.crt`), certPem);
  writeFileSync(join(dir, `${name}.key`), keyPem, { mode: 0o600 });
  return dir;
}
