import { execFile } from "node:child_process";
import { rmSync } from "node:fs";
import { promisify } from "node:util";
import type { TestRegistry } from "@slipway/registry-client/testing";
import { writeBigImage, type BigImageShape } from "./big-image.js";

const run = promisify(execFile);

/** An image in a registry, as a pull names it, and what a pull of it downloads. */
export interface RegistryImage {
  /** "127.0.0.1:PORT/bench/big". */
  readonly repository: string;
  readonly tag: string;
  /** The compressed bytes of its blobs: the layers and the config. */
  readonly bytes: number;
  readonly layers: number;
}

const REPOSITORY = "bench/big";
const MANIFEST_TYPES = ["application/vnd.docker.distribution.manifest.v2+json", "application/vnd.oci.image.manifest.v1+json"];

/** The shape of the pulled image: eight layers, the small files in the first three, the large ones in the other five. */
export function pullImageShape(totalMiB: number, smallFiles: number): BigImageShape {
  return { totalMiB, smallFiles, largeFiles: 10, smallFileLayers: 3, largeFileLayers: 5 };
}

/** Fails before the benchmark starts when a command the pull phase runs is missing. */
export async function requirePullCommands(): Promise<void> {
  for (const [command, role] of [
    ["skopeo", "puts the pulled image in the local registry"],
    ["docker-registry", "is the local registry"],
  ] as const) {
    try {
      await run("sh", ["-c", `command -v ${command}`]);
    } catch {
      throw new Error(
        `${command} is not installed: the pull phase needs it (it ${role}); apt-get install ${command}, or leave the phase out with --no-pull`,
      );
    }
  }
}

const isSize = (n: unknown): n is number => Number.isSafeInteger(n) && (n as number) >= 0;

/** The compressed bytes a pull of an image manifest (Docker schema 2 or OCI) downloads: its config and layers. */
export function blobBytes(manifest: unknown): { bytes: number; layers: number } {
  const { config, layers } = (manifest ?? {}) as { config?: { size?: unknown }; layers?: unknown };
  const configSize = config?.size;
  const layerSizes = Array.isArray(layers) ? layers.map((layer) => (layer as { size?: unknown } | null)?.size) : undefined;
  if (!isSize(configSize) || !layerSizes?.every(isSize)) {
    throw new Error(`not an image manifest with blob sizes: ${JSON.stringify(manifest)?.slice(0, 200)}`);
  }
  return { bytes: layerSizes.reduce((sum, size) => sum + size, configSize), layers: layerSizes.length };
}

/**
 * Generates an image of `shape` and puts it in `registry` as bench/big:`tag` with skopeo (which compresses its
 * layers); the archive is deleted again.
 */
export async function putBigImage(registry: TestRegistry, scratch: string, shape: BigImageShape, tag: string): Promise<RegistryImage> {
  const archive = await writeBigImage(scratch, shape, `bench-big:${tag}`);
  const repository = `${registry.host}/${REPOSITORY}`;
  try {
    await run("skopeo", ["copy", "--quiet", "--dest-tls-verify=false", `docker-archive:${archive.path}`, `docker://${repository}:${tag}`]);
  } finally {
    rmSync(archive.path, { force: true });
  }
  const res = await fetch(`${registry.url}/v2/${REPOSITORY}/manifests/${tag}`, { headers: { Accept: MANIFEST_TYPES.join(", ") } });
  if (!res.ok) throw new Error(`manifest of ${repository}:${tag}: HTTP ${res.status} ${await res.text()}`);
  return { repository, tag, ...blobBytes(await res.json()) };
}
