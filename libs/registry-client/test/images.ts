// Images made in memory for the registry tests: layers from TarWriter, a config naming their diffIDs,
// Docker or OCI manifests, and a `docker save` archive of them for skopeo.
import { execFile } from "node:child_process";
import { randomBytes } from "node:crypto";
import { writeFileSync } from "node:fs";
import { join } from "node:path";
import { promisify } from "node:util";
import { gzipSync } from "node:zlib";
import { digestHex, parseNormalizedNamed, sha256Digest } from "@slipway/docker-spec";
import { TarWriter } from "@slipway/layer-tar/testing";
import {
  MediaType,
  resolveImage,
  type Descriptor,
  type RegistryClient,
  type Repository,
  type RepositoryOptions,
  type ResolvedImage,
  type ResolveOptions,
} from "../src/index.js";

const run = promisify(execFile);

export interface TestLayer {
  readonly tar: Buffer;
  readonly gzip: Buffer;
  readonly digest: string;
  readonly diffId: string;
}

export interface TestImage {
  readonly layers: readonly TestLayer[];
  readonly config: Buffer;
  readonly configDigest: string;
}

export interface TestImageOptions {
  readonly architecture?: string;
  readonly variant?: string;
  /** Random (incompressible) bytes in each layer's one file. */
  readonly layerBytes?: readonly number[];
}

/** An image with one file of random bytes per layer. */
export function testImage(options: TestImageOptions = {}): TestImage {
  const layers = (options.layerBytes ?? [1024, 2048]).map((size, i) => {
    const tar = new TarWriter().file(`file-${i}`, randomBytes(size)).end();
    const gzip = gzipSync(tar);
    return { tar, gzip, digest: sha256Digest(gzip), diffId: sha256Digest(tar) };
  });
  const config = Buffer.from(
    JSON.stringify({
      architecture: options.architecture ?? "amd64",
      ...(options.variant ? { variant: options.variant } : {}),
      os: "linux",
      config: { Cmd: ["/file-0"] },
      rootfs: { type: "layers", diff_ids: layers.map((layer) => layer.diffId) },
    }),
  );
  return { layers, config, configDigest: sha256Digest(config) };
}

/** The image's manifest in Docker schema 2 or OCI form. */
export function manifestOf(image: TestImage, format: "docker" | "oci" = "docker"): { bytes: Buffer; mediaType: string } {
  const docker = format === "docker";
  const mediaType = docker ? MediaType.dockerManifest : MediaType.ociManifest;
  const layerType = docker ? MediaType.dockerLayer : MediaType.ociLayerGzip;
  const document = {
    schemaVersion: 2,
    mediaType,
    config: { mediaType: docker ? MediaType.dockerConfig : MediaType.ociConfig, size: image.config.length, digest: image.configDigest },
    layers: image.layers.map((layer) => ({ mediaType: layerType, size: layer.gzip.length, digest: layer.digest })),
  };
  return { bytes: Buffer.from(JSON.stringify(document, null, 3)), mediaType };
}

/** A manifest list (or OCI index) of platform-specific manifests. */
export function listOf(
  entries: readonly { descriptor: Descriptor; architecture: string; variant?: string }[],
  format: "docker" | "oci" = "docker",
): { bytes: Buffer; mediaType: string } {
  const mediaType = format === "docker" ? MediaType.dockerManifestList : MediaType.ociIndex;
  const manifests = entries.map(({ descriptor, architecture, variant }) => ({
    mediaType: descriptor.mediaType,
    size: descriptor.size,
    digest: descriptor.digest,
    platform: { architecture, os: "linux", ...(variant ? { variant } : {}) },
  }));
  return { bytes: Buffer.from(JSON.stringify({ schemaVersion: 2, mediaType, manifests }, null, 3)), mediaType };
}

/** Pushes the image's blobs and manifest with the client; returns the manifest's descriptor. */
export async function pushImage(repository: Repository, image: TestImage, tag: string, format: "docker" | "oci" = "docker"): Promise<Descriptor> {
  for (const layer of image.layers) await repository.uploads.upload(() => once(layer.gzip), { digest: layer.digest });
  await repository.uploads.upload(() => once(image.config), { digest: image.configDigest, mediaType: MediaType.dockerConfig });
  const manifest = manifestOf(image, format);
  return repository.manifests.put(tag, manifest.bytes, manifest.mediaType);
}

/** `docker save` of the image as skopeo reads it (uncompressed layers). */
export function dockerArchive(image: TestImage, repoTag: string): Buffer {
  const tar = new TarWriter();
  const layerPaths = image.layers.map((layer) => `${digestHex(layer.diffId)}/layer.tar`);
  image.layers.forEach((layer, i) => tar.dir(`${digestHex(layer.diffId)}/`).file(layerPaths[i]!, layer.tar));
  tar.file(`${digestHex(image.configDigest)}.json`, image.config);
  tar.file("manifest.json", JSON.stringify([{ Config: `${digestHex(image.configDigest)}.json`, RepoTags: [repoTag], Layers: layerPaths }]));
  return tar.end();
}

/** Pushes a `docker save` archive of the image to `destination` ("127.0.0.1:PORT/name:tag") with skopeo. */
export async function skopeoPush(image: TestImage, destination: string, dir: string, format: "v2s2" | "oci" = "v2s2"): Promise<void> {
  const archive = join(dir, `${randomBytes(4).toString("hex")}.tar`);
  writeFileSync(archive, dockerArchive(image, "image:latest"));
  await run("skopeo", [
    "--insecure-policy",
    "copy",
    "--quiet",
    "--dest-tls-verify=false",
    "--format",
    format,
    `docker-archive:${archive}`,
    `docker://${destination}`,
  ]);
}

/** One buffer as a stream of one chunk. */
export async function* once(data: Buffer): AsyncGenerator<Buffer> {
  yield data;
}

/** Everything a download yields, joined. */
export async function collect(stream: AsyncIterable<Buffer>): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const chunk of stream) chunks.push(chunk);
  return Buffer.concat(chunks);
}

export interface PulledImage {
  readonly resolved: ResolvedImage;
  readonly config: Buffer;
  readonly layers: readonly Buffer[];
}

/** A whole pull with the client: the image manifest dockerd would choose, its config and every layer, verified. */
export async function pullImage(client: RegistryClient, reference: string, options: RepositoryOptions & ResolveOptions = {}): Promise<PulledImage> {
  return client.withRepository(parseNormalizedNamed(reference), options, async (repository) => {
    const resolved = await resolveImage(repository, options);
    const config = await repository.blobs.readConfig(resolved.image.manifest.config);
    const layers: Buffer[] = [];
    for (const layer of resolved.image.manifest.layers) layers.push(await collect(repository.blobs.download(layer)));
    return { resolved, config, layers };
  });
}
