// A real registry behind a misbehaving proxy: broken, corrupted, stalled and refused transfers.
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { parseNormalizedNamed } from "@slipway/docker-spec";
import { DigestMismatchError, MAX_MANIFEST_BYTES, RegistryClient, resolveImage, type Descriptor, type Repository } from "../src/index.js";
import { htpasswdEntry, startRegistry, type TestRegistry } from "../src/testing/index.js";
import { startFaultProxy, type Fault, type FaultProxy, type ProxiedRequest } from "./fault-proxy.js";
import { collect, manifestOf, pullImage, pushImage, testImage, type TestImage } from "./images.js";

const LAYER_BYTES = 400_000;
let registry: TestRegistry;
let image: TestImage;
let manifest: Descriptor;
let proxy: FaultProxy | undefined;
// Retries count seconds of 1 ms; a silent registry is given up on after 1.5 s.
const client = new RegistryClient({ retrySecondMs: 1, idleTimeoutMs: 1_500, configBackoffMs: 1 });

beforeAll(async () => {
  registry = await startRegistry();
  image = testImage({ layerBytes: [LAYER_BYTES] });
  manifest = await client.withRepository(parseNormalizedNamed(`${registry.host}/app:1`), { push: true }, (repository) =>
    pushImage(repository, image, "1"),
  );
});

afterEach(async () => {
  await proxy?.stop();
  proxy = undefined;
});

afterAll(() => registry?.stop());

const layer = () => image.layers[0]!;
const isLayer = (request: ProxiedRequest) => request.method === "GET" && request.path.endsWith(`/blobs/${layer().digest}`);
const layerGets = () => proxy!.requests.filter(isLayer);

/** Faults for the layer's GETs in turn (then none). */
async function proxyWithLayerFaults(...faults: Fault[]): Promise<FaultProxy> {
  const pending = [...faults];
  proxy = await startFaultProxy(registry.host, (request) => (isLayer(request) ? pending.shift() : undefined));
  return proxy;
}

function viaProxy<T>(work: (repository: Repository) => Promise<T>): Promise<T> {
  return client.withRepository(parseNormalizedNamed(`${proxy!.host}/app:1`), {}, work);
}

function downloadLayer(countdown: number[] = []): Promise<Buffer> {
  return viaProxy((repository) =>
    collect(repository.blobs.download({ digest: layer().digest, size: layer().gzip.length }, { onRetry: (seconds) => countdown.push(seconds) })),
  );
}

describe("layer downloads", () => {
  it("resume with a Range request where a cut connection stopped", async () => {
    await proxyWithLayerFaults({ kind: "cut", afterBytes: 150_000 });
    const countdown: number[] = [];
    expect((await downloadLayer(countdown)).equals(layer().gzip)).toBe(true);
    expect(countdown).toEqual([5, 4, 3, 2, 1]);
    const [first, resumed] = layerGets();
    expect(first!.headers.range).toBeUndefined();
    expect(resumed!.headers.range).toMatch(/^bytes=\d+-$/);
    expect(Number(resumed!.headers.range!.slice(6, -1))).toBeGreaterThan(0);
  });

  it("resume against a registry that ignores Range by skipping what arrived already", async () => {
    await proxyWithLayerFaults({ kind: "cut", afterBytes: 150_000 }, { kind: "ignore-range" });
    expect((await downloadLayer()).equals(layer().gzip)).toBe(true);
    expect(layerGets()).toHaveLength(2);
  });

  it("fail on a flipped byte, after handing out bytes that are never declared good, without retrying", async () => {
    await proxyWithLayerFaults({ kind: "corrupt" });
    let received = 0;
    const download = viaProxy(async (repository) => {
      for await (const piece of repository.blobs.download(layer())) received += piece.length;
    });
    await expect(download).rejects.toThrow(new DigestMismatchError("filesystem layer", layer().digest));
    await expect(download).rejects.toThrow(`filesystem layer verification failed for digest ${layer().digest}`);
    expect(received).toBe(layer().gzip.length);
    expect(layerGets()).toHaveLength(1);
  });

  it("stop at once when the registry sends more than the manifest's size", async () => {
    await proxyWithLayerFaults();
    const download = viaProxy((repository) => collect(repository.blobs.download({ digest: layer().digest, size: 1_000 })));
    await expect(download).rejects.toThrow(`filesystem layer verification failed for digest ${layer().digest}`);
  });

  it("retry 500 answers with dockerd's countdown", async () => {
    const failure: Fault = { kind: "answer", status: 500, body: "oops" };
    await proxyWithLayerFaults(failure, failure);
    const countdown: number[] = [];
    expect((await downloadLayer(countdown)).equals(layer().gzip)).toBe(true);
    expect(countdown).toEqual([5, 4, 3, 2, 1, 10, 9, 8, 7, 6, 5, 4, 3, 2, 1]);
  });

  it("give up after 5 retries", async () => {
    const failure: Fault = { kind: "answer", status: 503 };
    await proxyWithLayerFaults(...Array<Fault>(10).fill(failure));
    await expect(downloadLayer()).rejects.toThrow("received unexpected HTTP status: 503 Service Unavailable");
    expect(layerGets()).toHaveLength(6);
  });

  it("do not retry what dockerd never retries: an unknown blob, too many requests", async () => {
    await proxyWithLayerFaults({ kind: "answer", status: 404 });
    await expect(downloadLayer()).rejects.toThrow(/^unknown blob$/);
    expect(layerGets()).toHaveLength(1);
    await proxy!.stop();
    const body = JSON.stringify({ errors: [{ code: "TOOMANYREQUESTS", message: "slow down", detail: {} }] });
    await proxyWithLayerFaults({ kind: "answer", status: 429, body, headers: { "content-type": "application/json" } });
    await expect(downloadLayer()).rejects.toThrow("toomanyrequests: slow down");
    expect(layerGets()).toHaveLength(1);
  });

  it("give up on a registry that falls silent, and retry", async () => {
    await proxyWithLayerFaults({ kind: "stall", afterBytes: 1000 });
    const countdown: number[] = [];
    expect((await downloadLayer(countdown)).equals(layer().gzip)).toBe(true);
    expect(countdown).toEqual([5, 4, 3, 2, 1]);
    expect(layerGets()[1]!.headers.range).toBe("bytes=1000-");
  });

  it("refuse a redirect loop", async () => {
    proxy = await startFaultProxy(registry.host, (request) =>
      request.path.startsWith("/loop") || isLayer(request) ? { kind: "answer", status: 307, headers: { location: "/loop" } } : undefined,
    );
    await expect(downloadLayer()).rejects.toThrow(`Get "http://${proxy.host}/loop": stopped after 10 redirects`);
  });
});

describe("credentials and redirects", () => {
  it("never send credentials to where a blob is redirected", async () => {
    const dir = mkdtempSync(join(tmpdir(), "registry-faults-"));
    const htpasswdFile = join(dir, "htpasswd");
    writeFileSync(htpasswdFile, `${await htpasswdEntry("alice", "secret")}\n`);
    const guarded = await startRegistry({ htpasswdFile });
    const auth = { username: "alice", password: "secret" };
    try {
      await client.withRepository(parseNormalizedNamed(`${guarded.host}/app:1`), { push: true, auth }, (repository) =>
        pushImage(repository, image, "1"),
      );
      const storage = await startFaultProxy(guarded.host, (request) =>
        request.path.startsWith("/storage/") ? { kind: "answer", status: 200, body: layer().gzip } : undefined,
      );
      proxy = await startFaultProxy(guarded.host, (request) =>
        isLayer(request) ? { kind: "answer", status: 307, headers: { location: `http://${storage.host}/storage/blob` } } : undefined,
      );
      const bytes = await client.withRepository(parseNormalizedNamed(`${proxy.host}/app:1`), { auth }, (repository) =>
        collect(repository.blobs.download(layer())),
      );
      expect(bytes.equals(layer().gzip)).toBe(true);
      expect(layerGets()[0]!.headers.authorization).toMatch(/^Basic /);
      expect(storage.requests.map((request) => [request.path, request.headers.authorization])).toEqual([["/storage/blob", undefined]]);
      await storage.stop();
    } finally {
      await guarded.stop();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe("manifests and configs", () => {
  const byDigest = (digest: string) => (request: ProxiedRequest) => request.method === "GET" && request.path.endsWith(`/manifests/${digest}`);

  it("refuse manifest bytes that do not hash to the digest", async () => {
    const tampered = Buffer.from(manifestOf(image).bytes.toString().replace('"schemaVersion": 2', '"schemaVersion":2'));
    proxy = await startFaultProxy(registry.host, (request) =>
      byDigest(manifest.digest)(request)
        ? { kind: "answer", status: 200, headers: { "content-type": manifest.mediaType }, body: tampered }
        : undefined,
    );
    await expect(pullImage(client, `${proxy.host}/app:1`)).rejects.toThrow(`manifest verification failed for digest ${manifest.digest}`);
  });

  it("refuse a manifest larger than 4 MiB without reading it", async () => {
    const huge = Buffer.alloc(MAX_MANIFEST_BYTES + 1, 0x20);
    proxy = await startFaultProxy(registry.host, (request) =>
      byDigest(manifest.digest)(request) ? { kind: "answer", status: 200, headers: { "content-type": manifest.mediaType }, body: huge } : undefined,
    );
    await expect(pullImage(client, `${proxy.host}/app:1`)).rejects.toThrow(`manifest too large: more than ${MAX_MANIFEST_BYTES} bytes`);
  });

  it("refuse a config that does not match its digest, in dockerd's words", async () => {
    proxy = await startFaultProxy(registry.host, (request) =>
      request.path.endsWith(`/blobs/${image.configDigest}`) ? { kind: "corrupt" } : undefined,
    );
    await expect(pullImage(client, `${proxy.host}/app:1`)).rejects.toThrow(
      `error pulling image configuration: image config verification failed for digest ${image.configDigest}`,
    );
  });

  it("word a failed config download as dockerd does", async () => {
    proxy = await startFaultProxy(registry.host, (request) =>
      request.path.endsWith(`/blobs/${image.configDigest}`) ? { kind: "answer", status: 404 } : undefined,
    );
    const failure = viaProxy(async (repository) => repository.blobs.readConfig((await resolveImage(repository)).image.manifest.config));
    await expect(failure).rejects.toThrow("error pulling image configuration: download failed after attempts=1: unknown blob");
  });
});
