// Pushes to a real registry (docker-registry on 127.0.0.1, plain HTTP) and pulls back what was pushed.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { parseNormalizedNamed, sha256Digest } from "@slipway/docker-spec";
import { MediaType, RegistryClient, type Repository, type UploadMode } from "../src/index.js";
import { startRegistry, type TestRegistry } from "../src/testing/index.js";
import { collect, listOf, manifestOf, once, pullImage, pushImage, testImage } from "./images.js";

let registry: TestRegistry;
const client = new RegistryClient();

beforeAll(async () => {
  registry = await startRegistry();
});

afterAll(async () => {
  await registry?.stop();
});

function inRepository<T>(path: string, work: (repository: Repository) => Promise<T>): Promise<T> {
  return client.withRepository(parseNormalizedNamed(`${registry.host}/${path}`), { push: true }, work);
}

describe("push", () => {
  it("uploads blobs streamed, chunked and monolithic, each checked with HEAD and read back byte for byte", async () => {
    const modes: UploadMode[] = ["stream", "chunked", "monolithic"];
    for (const mode of modes) {
      const blob = testImage({ layerBytes: [200_000] }).layers[0]!.gzip;
      const digest = sha256Digest(blob);
      await inRepository(`uploads/${mode}`, async (repository) => {
        expect(await repository.blobs.stat(digest)).toBeUndefined();
        const pieces = async function* () {
          for (let offset = 0; offset < blob.length; offset += 7_000) yield blob.subarray(offset, offset + 7_000);
        };
        const sent: number[] = [];
        const descriptor = await repository.uploads.upload(pieces, {
          mode,
          chunkSize: 64 * 1024,
          size: blob.length,
          onProgress: (bytes) => sent.push(bytes),
          ...(mode === "monolithic" ? { digest } : {}),
        });
        expect(descriptor).toEqual({ mediaType: MediaType.dockerLayer, digest, size: blob.length });
        expect(sent.at(-1)).toBe(blob.length);
        expect(await repository.blobs.stat(digest)).toEqual({ size: blob.length, mediaType: "application/octet-stream" });
        expect((await collect(repository.blobs.download({ digest, size: blob.length }))).equals(blob)).toBe(true);
      });
    }
  });

  it("refuses to commit content that does not hash to the digest it was announced with", async () => {
    const blob = testImage().layers[0]!.gzip;
    await inRepository("uploads/wrong", async (repository) => {
      const wrong = sha256Digest("something else");
      await expect(repository.uploads.upload(() => once(blob), { digest: wrong })).rejects.toThrow(
        `the content sent hashes to ${sha256Digest(blob)}, not to ${wrong}`,
      );
      expect(await repository.blobs.stat(wrong)).toBeUndefined();
    });
    // A monolithic upload names the digest up front, so the registry refuses it; dockerd retries that (5 attempts).
    const quickRetries = new RegistryClient({ retrySecondMs: 1 });
    const countdown: number[] = [];
    const monolithic = quickRetries.withRepository(parseNormalizedNamed(`${registry.host}/uploads/wrong`), { push: true }, (repository) =>
      repository.uploads.upload(() => once(blob), {
        digest: sha256Digest("something else"),
        mode: "monolithic",
        onRetry: (seconds) => countdown.push(seconds),
      }),
    );
    await expect(monolithic).rejects.toThrow("digest invalid: provided digest did not match uploaded content");
    expect(countdown).toHaveLength(5 + 10 + 15 + 20);
  });

  it("mounts a blob known in another repository, and reuses the upload a declined mount opens", async () => {
    const image = testImage();
    const layer = image.layers[0]!;
    await inRepository("mount/source", (repository) => repository.uploads.upload(() => once(layer.gzip), { digest: layer.digest }));
    await inRepository("mount/target", async (repository) => {
      expect(await repository.uploads.mount(layer.digest, "mount/source")).toEqual({
        mounted: true,
        descriptor: { mediaType: MediaType.dockerLayer, digest: layer.digest, size: layer.gzip.length },
      });
      expect(await repository.blobs.stat(layer.digest)).toEqual({ size: layer.gzip.length, mediaType: "application/octet-stream" });
      const other = image.layers[1]!;
      const declined = await repository.uploads.mount(other.digest, "mount/source");
      expect(declined.mounted).toBe(false);
      if (declined.mounted) return;
      await repository.uploads.upload(() => once(other.gzip), { digest: other.digest, started: declined.upload });
      expect((await repository.blobs.stat(other.digest))?.size).toBe(other.gzip.length);
    });
  });

  it("puts a manifest under its tag and pulls the image back byte-identical", async () => {
    const image = testImage();
    const pushed = await inRepository("round/trip", (repository) => pushImage(repository, image, "v1"));
    const manifest = manifestOf(image);
    expect(pushed).toEqual({ mediaType: MediaType.dockerManifest, digest: sha256Digest(manifest.bytes), size: manifest.bytes.length });
    const pulled = await pullImage(client, `${registry.host}/round/trip:v1`);
    expect(pulled.resolved.digest).toBe(pushed.digest);
    expect(pulled.resolved.image.bytes.equals(manifest.bytes)).toBe(true);
    expect(pulled.config.equals(image.config)).toBe(true);
    expect(pulled.layers.map((layer) => sha256Digest(layer))).toEqual(image.layers.map((layer) => layer.digest));
  });
});

describe("manifest lists", () => {
  const amd64 = { os: "linux", architecture: "amd64", variant: "" };

  for (const format of ["docker", "oci"] as const) {
    it(`chooses the platform from a ${format === "docker" ? "manifest list" : "OCI index"} as dockerd does`, async () => {
      const images = { amd64: testImage(), arm64: testImage({ architecture: "arm64" }), arm: testImage({ architecture: "arm", variant: "v7" }) };
      const list = await inRepository(`multi/${format}`, async (repository) => {
        const arm = await pushImage(repository, images.arm, "arm", format);
        const arm64 = await pushImage(repository, images.arm64, "arm64", format);
        const x64 = await pushImage(repository, images.amd64, "amd64", format);
        const index = listOf(
          [
            { descriptor: arm, architecture: "arm", variant: "v7" },
            { descriptor: arm64, architecture: "arm64", variant: "v8" },
            { descriptor: x64, architecture: "amd64" },
          ],
          format,
        );
        return { descriptor: await repository.manifests.put("all", index.bytes, index.mediaType), bytes: index.bytes };
      });
      const reference = `${registry.host}/multi/${format}:all`;
      const forHost = await pullImage(client, reference, { host: amd64 });
      expect(forHost.resolved.digest).toBe(list.descriptor.digest);
      expect(forHost.resolved.index!.bytes.equals(list.bytes)).toBe(true);
      expect(forHost.config.equals(images.amd64.config)).toBe(true);
      expect(forHost.resolved.platform).toEqual(amd64);
      const arm64 = await pullImage(client, reference, { host: amd64, platform: { os: "linux", architecture: "arm64" } });
      expect(arm64.config.equals(images.arm64.config)).toBe(true);
      const armHost = await pullImage(client, reference, { host: { os: "linux", architecture: "arm", variant: "v7" } });
      expect(armHost.config.equals(images.arm.config)).toBe(true);
      let announced = 0; // dockerd says "Pulling from" before it looks for the platform
      const onManifest = () => announced++;
      await expect(pullImage(client, reference, { host: amd64, platform: { os: "linux", architecture: "s390x" }, onManifest })).rejects.toThrow(
        "no matching manifest for linux/s390x in the manifest list entries",
      );
      expect(announced).toBe(1);
    });
  }
});
