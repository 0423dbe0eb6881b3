import { X509Certificate } from "node:crypto";
import { chmodSync, mkdtempSync, renameSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { connect as tlsConnect } from "node:tls";
import { Client, credentials, Metadata, status, type ServiceError } from "@grpc/grpc-js";
import { layerstore } from "@slipway/proto";
import { createCertificateAuthority, type CertificateAuthority } from "@slipway/pki";
import { pino } from "pino";
import { Writable } from "node:stream";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { CertificateFiles, certificatePathsIn, loadCertificateSet } from "./certificate-files.js";
import { ConfigError } from "../config.js";
import { SlipwayError } from "@slipway/errors";
import { createClient, service, startService, unimplementedHandlers, type RunningService } from "../index.js";

/** Writes ca.crt and <name>.crt/.key into a new directory; the CA named in ca.crt may differ from the signer. */
const dirs: string[] = [];
afterAll(() => dirs.forEach((dir) => rmSync(dir, { recursive: true, force: true })));

async function identityDir(
  trusted: CertificateAuthority,
  signer: CertificateAuthority,
  name: string,
  options: Parameters<CertificateAuthority["issue"]>[1] = {},
) {
  const dir = mkdtempSync(join(tmpdir(), "slipway-mtls-"));
  dirs.push(dir);
  const { certPem, keyPem } = await signer.issue(name, options);
  writeFileSync(join(dir, "ca.crt"), trusted.certPem);
  writeFileSync(join(dir, `${name}.crt`), certPem);
  writeFileSync(join(dir, `${name}.key`), keyPem, { mode: 0o600 });
  return dir;
}

function filesOf(dir: string, name: string, pollMs = 100) {
  return new CertificateFiles(certificatePathsIn(dir, name), { pollMs });
}

function captureLogger() {
  const lines: Record<string, unknown>[] = [];
  const sink = new Writable({ write: (chunk, _e, cb) => (lines.push(JSON.parse(String(chunk))), cb()) });
  return { logger: pino({ level: "debug" }, sink), lines };
}

const VOLUME = layerstore.Volume.fromPartial({ name: "v", mountpoint: "/x" });
let ca: CertificateAuthority;
let serverDir: string;
let server: RunningService;
let served: string[];
const log = captureLogger();

beforeAll(async () => {
  ca = await createCertificateAuthority();
  serverDir = await identityDir(ca, ca, "layer-store");
  served = [];
  const handlers = {
    ...unimplementedHandlers(layerstore.LayerStoreServiceService, "layer-store"),
    listVolumes: async () => (served.push("ListVolumes"), { volumes: [VOLUME] }),
    createVolume: async () => (served.push("CreateVolume"), { volume: VOLUME, created: true }),
    async *exportLayer() {
      for (let i = 0; i < 20; i++) {
        await new Promise((r) => setTimeout(r, 50));
        yield { chunk: Buffer.from([i]) };
      }
    },
  };
  server = await startService({
    name: "layer-store",
    bind: "127.0.0.1:0",
    logger: log.logger,
    certificates: filesOf(serverDir, "layer-store"),
    services: [service(layerstore.LayerStoreServiceService, handlers as never)],
    drainTimeoutMs: 1_000,
  });
  server.setServing();
}, 30_000);
afterAll(() => server?.shutdown());

/** A client of layer-store whose certificate is `name`'s, as made by `identityDir`. */
function clientAs(dir: string, name: string) {
  return createClient(layerstore.LayerStoreServiceService, server.address, { name: "layer-store", certificates: filesOf(dir, name) });
}

async function refusal(call: Promise<unknown>): Promise<SlipwayError> {
  const err = await call.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(SlipwayError);
  return err as SlipwayError;
}

describe("a TCP listener (mutual TLS and the access policy)", () => {
  it("serves the app the policy allows, logging its identity", async () => {
    const client = clientAs(await identityDir(ca, ca, "orchestrator"), "orchestrator");
    expect((await client.listVolumes(layerstore.ListVolumesRequest.fromPartial({}))).volumes).toHaveLength(1);
    const rpc = log.lines.find((l) => l.msg === "rpc" && l.method === "/slipway.layerstore.v1.LayerStoreService/ListVolumes");
    expect(rpc?.peer).toMatch(/^spiffe:\/\/slipway\/orchestrator@127\.0\.0\.1:\d+$/);
    client.close();
  });

  it("names a TCP port already in use", async () => {
    const port = server.address.split(":").pop();
    const second = startService({
      name: "layer-store",
      bind: `127.0.0.1:${port}`,
      logger: log.logger,
      certificates: filesOf(serverDir, "layer-store"),
      services: [],
    });
    await expect(second).rejects.toThrow(`127.0.0.1:${port} is already in use`);
  });

  it("refuses a valid certificate of the wrong app with PERMISSION_DENIED, before the handler runs, and logs it once", async () => {
    const client = clientAs(await identityDir(ca, ca, "engine-api"), "engine-api");
    const before = served.length;
    const err = await refusal(client.createVolume(layerstore.CreateVolumeRequest.fromPartial({ name: "x" })));
    expect((err.cause as ServiceError).code).toBe(status.PERMISSION_DENIED);
    expect(err.message).toBe(
      "spiffe://slipway/engine-api may not call /slipway.layerstore.v1.LayerStoreService/CreateVolume on layer-store (Slipway's access policy)",
    );
    expect(served.length).toBe(before);
    const refused = log.lines.filter((l) => l.msg === "call refused" && l.identity === "spiffe://slipway/engine-api");
    expect(refused).toHaveLength(1);
    expect(refused[0]).toMatchObject({ code: "PERMISSION_DENIED", method: "/slipway.layerstore.v1.LayerStoreService/CreateVolume" });
    client.close();
  });

  it.each([
    ["an expired certificate", { notBefore: new Date(Date.now() - 3 * 86_400_000), notAfter: new Date(Date.now() - 86_400_000) }, "CERT_HAS_EXPIRED"],
  ])("refuses %s with UNAUTHENTICATED, saying why", async (_what, options, reason) => {
    const client = clientAs(await identityDir(ca, ca, "orchestrator", options), "orchestrator");
    const err = await refusal(client.listVolumes(layerstore.ListVolumesRequest.fromPartial({})));
    expect((err.cause as ServiceError).code).toBe(status.UNAUTHENTICATED);
    expect(err.message).toContain(reason);
    client.close();
  });

  it("refuses a certificate from another CA with UNAUTHENTICATED", async () => {
    const other = await createCertificateAuthority({ commonName: "Not Slipway" });
    const client = clientAs(await identityDir(ca, other, "orchestrator"), "orchestrator");
    const err = await refusal(client.createVolume(layerstore.CreateVolumeRequest.fromPartial({ name: "y" })));
    expect((err.cause as ServiceError).code).toBe(status.UNAUTHENTICATED);
    expect(err.message).toMatch(/signed by Slipway's CA \(the client certificate was refused: [A-Z_]+\)/);
    client.close();
  });

  it("refuses a caller without a certificate with UNAUTHENTICATED (reflection too), but answers its health check", async () => {
    const raw = new Client(server.address, credentials.createSsl(Buffer.from(ca.certPem)), { "grpc.ssl_target_name_override": "layer-store" });
    const call = (path: string, req: Buffer) =>
      new Promise<ServiceError | null>((resolve) =>
        raw.makeUnaryRequest(
          path,
          (b: Buffer) => b,
          (b: Buffer) => b,
          req,
          new Metadata(),
          { deadline: Date.now() + 5_000 },
          (err) => resolve(err),
        ),
      );
    const denied = await call("/slipway.layerstore.v1.LayerStoreService/ListVolumes", Buffer.alloc(0));
    expect(denied?.code).toBe(status.UNAUTHENTICATED);
    expect(denied?.details).toContain("no client certificate was presented");
    expect(await call("/grpc.health.v1.Health/Check", Buffer.alloc(0))).toBeNull();
    expect((await call("/grpc.reflection.v1.ServerReflection/ServerReflectionInfo", Buffer.alloc(0)))?.code).toBe(status.UNAUTHENTICATED);
    raw.close();
  });

  it("speaks only TLS 1.3", async () => {
    const port = Number(server.address.split(":").pop());
    const error = await new Promise<Error | undefined>((resolve) => {
      const socket = tlsConnect(
        { host: "127.0.0.1", servername: "layer-store", port, maxVersion: "TLSv1.2", rejectUnauthorized: false, ALPNProtocols: ["h2"] },
        () => resolve(undefined),
      );
      socket.once("error", resolve);
    });
    expect(error?.message).toMatch(/version|protocol/i);
  });

  it("refuses a client whose server presents another app's certificate", async () => {
    const dir = await identityDir(ca, ca, "orchestrator");
    const client = createClient(layerstore.LayerStoreServiceService, server.address, {
      name: "image-store",
      certificates: filesOf(dir, "orchestrator"),
    });
    const err = await refusal(client.listVolumes(layerstore.ListVolumesRequest.fromPartial({})));
    expect(err.message).toContain("presented spiffe://slipway/layer-store, not spiffe://slipway/image-store");
    client.close();
  });
});

describe("rotation", () => {
  it("gives new connections the new certificate while a stream in flight goes on", async () => {
    const client = clientAs(await identityDir(ca, ca, "image-store"), "image-store");
    const before = await serverFingerprint();
    const chunks: number[] = [];
    const stream = (async () => {
      for await (const { chunk } of client.exportLayer({ chainId: "x" })) chunks.push(chunk[0]!);
    })();
    await new Promise((r) => setTimeout(r, 150));
    const { certPem, keyPem } = await ca.issue("layer-store");
    replace(join(serverDir, "layer-store.key"), keyPem, 0o600);
    replace(join(serverDir, "layer-store.crt"), certPem, 0o644);
    await expect.poll(serverFingerprint, { timeout: 5_000, interval: 100 }).not.toBe(before);
    expect(await serverFingerprint()).toBe(new X509Certificate(certPem).fingerprint256);
    await stream;
    expect(chunks).toEqual([...Array(20).keys()]);
    const fresh = clientAs(await identityDir(ca, ca, "orchestrator"), "orchestrator");
    expect((await fresh.listVolumes(layerstore.ListVolumesRequest.fromPartial({}))).volumes).toHaveLength(1);
    client.close();
    fresh.close();
  }, 20_000);
});

describe("certificate files", () => {
  it("refuses a private key that others may read, naming it and the fix", async () => {
    const dir = await identityDir(ca, ca, "orchestrator");
    chmodSync(join(dir, "orchestrator.key"), 0o644);
    expect(() => loadCertificateSet(certificatePathsIn(dir, "orchestrator"))).toThrow(
      new ConfigError(
        `private key ${join(dir, "orchestrator.key")} may be read by other users (mode 0644); chmod 600 ${join(dir, "orchestrator.key")}`,
      ),
    );
  });

  it("names a missing file and how to make one, never the key's content", async () => {
    const dir = mkdtempSync(join(tmpdir(), "slipway-mtls-"));
    expect(() => loadCertificateSet(certificatePathsIn(dir, "cli"))).toThrow(
      /cannot read the CA certificate .*ca\.crt: it does not exist; make the certificates with "npx slipway certs --out DIR"/,
    );
  });

  it("keeps the previous certificates when a replacement does not load", async () => {
    const dir = await identityDir(ca, ca, "orchestrator");
    const files = filesOf(dir, "orchestrator");
    const before = files.certificates.cert;
    writeFileSync(join(dir, "orchestrator.crt"), "-----BEGIN CERTIFICATE-----\nnot a certificate\n");
    files.reload();
    expect(files.certificates.cert).toBe(before);
    files.close();
  });
});

/** Write aside, then rename: what `slipway certs` does, so a poll never reads half a file. */
function replace(path: string, content: string, mode: number): void {
  writeFileSync(`${path}.new`, content, { mode });
  renameSync(`${path}.new`, path);
}

function serverFingerprint(): Promise<string> {
  const port = Number(server.address.split(":").pop());
  return new Promise((resolve, reject) => {
    const socket = tlsConnect({ host: "127.0.0.1", servername: "layer-store", port, rejectUnauthorized: false, ALPNProtocols: ["h2"] }, () => {
      resolve(socket.getPeerCertificate().fingerprint256);
      socket.destroy();
    });
    socket.once("error", reject);
  });
}
