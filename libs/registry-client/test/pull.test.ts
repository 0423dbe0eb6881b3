// Pulls from a real registry (docker-registry on 127.0.0.1, plain HTTP, anonymous), images put there by skopeo.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { gunzipSync } from "node:zlib";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parseNormalizedNamed, sha256Digest } from "@slipway/docker-spec";
import { MediaType, RegistryClient, resolveImage } from "../src/index.js";
import { startRegistry, type TestRegistry } from "../src/testing/index.js";
import { collect, pullImage, skopeoPush, testImage, type TestImage } from "./images.js";

let registry: TestRegistry;
let dir: string;
let image: TestImage;
const client = new RegistryClient();

beforeAll(async () => {
  registry = await startRegistry();
  dir = mkdtempSync(join(tmpdir(), "registry-pull-"));
  image = testImage({ layerBytes: [300_000, 4096] });
  await skopeoPush(image, `${registry.host}/team/app:1`, dir);
  await skopeoPush(image, `${registry.host}/team/app:oci`, dir, "oci");
});

afterAll(async () => {
  await registry?.stop();
  rmSync(dir, { recursive: true, force: true });
});

/** The layers' uncompressed digests, which must be the config's diffIDs. */
const diffIds = (layers: readonly Buffer[]) => layers.map((layer) => sha256Digest(gunzipSync(layer)));

describe("pull", () => {
  it("pulls a Docker schema 2 image pushed by skopeo: manifest by tag, config and layers verified", async () => {
    const pulled = await pullImage(client, `${registry.host}/team/app:1`);
    expect(pulled.resolved.image.manifest.mediaType).toBe(MediaType.dockerManifest);
    expect(pulled.resolved.digest).toBe(sha256Digest(pulled.resolved.image.bytes));
    expect(pulled.resolved.index).toBeUndefined();
    expect(pulled.config.equals(image.config)).toBe(true);
    expect(diffIds(pulled.layers)).toEqual(image.layers.map((layer) => layer.diffId));
  });

  it("pulls the same image as an OCI manifest, and by digest", async () => {
    const oci = await pullImage(client, `${registry.host}/team/app:oci`);
    expect(oci.resolved.image.manifest.mediaType).toBe(MediaType.ociManifest);
    expect(diffIds(oci.layers)).toEqual(image.layers.map((layer) => layer.diffId));
    const byDigest = await pullImage(client, `${registry.host}/team/app@${oci.resolved.digest}`);
    expect(byDigest.resolved.image.bytes.equals(oci.resolved.image.bytes)).toBe(true);
  });

  it("reports download progress up to the blob's size", async () => {
    const progress: [number, number | undefined][] = [];
    await client.withRepository(parseNormalizedNamed(`${registry.host}/team/app:1`), {}, async (repository) => {
      const layer = (await resolveImage(repository)).image.manifest.layers[0]!;
      const bytes = await collect(repository.blobs.download(layer, { onProgress: (received, total) => progress.push([received, total]) }));
      expect(progress.at(-1)).toEqual([bytes.length, layer.size]);
    });
    expect(progress.length).toBeGreaterThan(1);
    expect(progress.map(([received]) => received)).toEqual([...progress.map(([received]) => received)].sort((a, b) => a - b));
  });

  it("words a missing tag, digest or repository as dockerd does", async () => {
    const zeros = `sha256:${"0".repeat(64)}`;
    await expect(pullImage(client, `${registry.host}/team/app:nope`)).rejects.toThrow(
      `manifest for ${registry.host}/team/app:nope not found: manifest unknown: manifest unknown`,
    );
    await expect(pullImage(client, `${registry.host}/team/app@${zeros}`)).rejects.toThrow(
      `manifest for ${registry.host}/team/app@${zeros} not found: manifest unknown: manifest unknown`,
    );
    const missing = pullImage(client, `${registry.host}/nobody/here:1`);
    await expect(missing).rejects.toThrow(`manifest for ${registry.host}/nobody/here:1 not found: manifest unknown: manifest unknown`);
    await expect(missing).rejects.toMatchObject({ category: "not-found" });
  });

  it("pulls docker.io images from the first registry mirror that answers", async () => {
    await skopeoPush(image, `${registry.host}/library/mirrored:1`, dir);
    const mirrored = new RegistryClient({ mirrors: ["http://127.0.0.1:1", `http://${registry.host}`] });
    const endpoint = await mirrored.withRepository(parseNormalizedNamed("mirrored:1"), {}, async (repository) => {
      await resolveImage(repository);
      return repository.endpoint;
    });
    expect(endpoint).toEqual({ url: `http://${registry.host}`, mirror: true, tlsVerify: false });
    const pulled = await pullImage(mirrored, "mirrored:1");
    expect(pulled.config.equals(image.config)).toBe(true);
  });

  it("ends at once with an error of the work's own, unchanged", async () => {
    const own = new Error("the caller's disk is full");
    let calls = 0;
    const work = async () => {
      calls++;
      throw own;
    };
    await expect(client.withRepository(parseNormalizedNamed(`${registry.host}/team/app:1`), {}, work)).rejects.toBe(own);
    expect(calls).toBe(1);
  });

  it("words an unreachable registry as Go's dialer, for the last endpoint tried (plain HTTP on loopback)", async () => {
    await expect(pullImage(client, "127.0.0.1:1/x:1")).rejects.toThrow(
      'Get "http://127.0.0.1:1/v2/": dial tcp 127.0.0.1:1: connect: connection refused',
    );
  });

  it("refuses plain HTTP from a registry that is not insecure (::1 is outside 127.0.0.0/8)", async () => {
    const v6 = await startRegistry({ address: "::1" });
    try {
      await expect(pullImage(client, `${v6.host}/x:1`)).rejects.toThrow(
        `Get "https://${v6.host}/v2/": http: server gave HTTP response to HTTPS client`,
      );
      const allowed = new RegistryClient({ insecureRegistries: [v6.host] });
      await expect(pullImage(allowed, `${v6.host}/x:1`)).rejects.toThrow(`manifest for ${v6.host}/x:1 not found`);
    } finally {
      await v6.stop();
    }
  });
});
