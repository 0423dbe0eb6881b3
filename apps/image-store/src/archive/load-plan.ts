import { digestHex, isDigest, parseNormalizedNamed, sha256Digest, type Reference } from "@slipway/docker-spec";
import { invalidArgument } from "@slipway/errors";
import { isObject } from "../domain/go-json.js";
import { parseImageConfig, type ImageConfig } from "../domain/image-config.js";
import { normalizeArchivePath, promisedDigest, type ArchiveSpool, type SpooledFile } from "./spool.js";

/** One layer of an image to load: the archive file and the diffID the config promises for it. */
export interface LayerToLoad {
  readonly file: SpooledFile;
  readonly diffId: string;
}

/** One image found in an archive, checked against its manifest and ready to register. */
export interface ImageToLoad {
  readonly id: string;
  readonly configBytes: Buffer;
  readonly config: ImageConfig;
  readonly layers: readonly LayerToLoad[];
  readonly tags: readonly Reference[];
}

/** Platform that picks one manifest out of a multi-platform index. */
export interface HostPlatform {
  readonly os: string;
  readonly architecture: string;
}

/**
 * Works out what an archive holds: `manifest.json` (docker save) when present, else an OCI image
 * layout (`oci-layout` + `index.json`). Every blob digest and size is verified here; layer diffIDs are
 * verified when the layers are registered. Anything wrong → INVALID_ARGUMENT naming it.
 */
export async function planLoad(spool: ArchiveSpool, platform: HostPlatform): Promise<ImageToLoad[]> {
  if (spool.has("manifest.json")) return planDockerSave(spool);
  if (spool.has("index.json")) return planOciLayout(spool, platform);
  throw invalidArgument("the archive has neither manifest.json nor index.json: it is not a docker save or OCI image layout archive");
}

// --- docker save (manifest.json) -------------------------------------------------------------

async function planDockerSave(spool: ArchiveSpool): Promise<ImageToLoad[]> {
  const manifest = await readJson(spool, "manifest.json");
  if (!Array.isArray(manifest)) throw invalidArgument("manifest.json is not a list of images");
  const images: ImageToLoad[] = [];
  for (const [index, item] of manifest.entries()) {
    const where = `manifest.json entry ${index}`;
    if (!isObject(item) || typeof item.Config !== "string" || !Array.isArray(item.Layers)) {
      throw invalidArgument(`${where} lacks Config or Layers`);
    }
    const configFile = await blobAt(spool, item.Config, `${where} config`);
    const configBytes = await spool.readSmall(configFile);
    const config = parseConfig(configBytes, configFile.path);
    const layerPaths = item.Layers.map((p) => (typeof p === "string" ? p : ""));
    if (layerPaths.length !== config.diffIds.length) {
      throw invalidArgument(`${where} lists ${layerPaths.length} layers but its config ${configFile.path} has ${config.diffIds.length} diff_ids`);
    }
    const layers: LayerToLoad[] = [];
    for (const [i, path] of layerPaths.entries()) {
      layers.push({ file: await blobAt(spool, path, `${where} layer ${i}`), diffId: config.diffIds[i]! });
    }
    images.push({ id: sha256Digest(configBytes), configBytes, config, layers, tags: parseRepoTags(item.RepoTags, where) });
  }
  return images;
}

function parseRepoTags(value: unknown, where: string): Reference[] {
  if (value === null || value === undefined) return [];
  if (!Array.isArray(value)) throw invalidArgument(`${where}: RepoTags is not a list`);
  return value.map((tag) => {
    const ref = parseTag(String(tag), where);
    if (ref.tag === undefined) throw invalidArgument(`${where}: invalid tag "${tag}"`);
    return ref;
  });
}

// --- OCI image layout (index.json) -----------------------------------------------------------

const INDEX_TYPES = new Set(["application/vnd.oci.image.index.v1+json", "application/vnd.docker.distribution.manifest.list.v2+json"]);
const MANIFEST_TYPES = new Set(["application/vnd.oci.image.manifest.v1+json", "application/vnd.docker.distribution.manifest.v2+json"]);
const CONFIG_TYPES = new Set(["application/vnd.oci.image.config.v1+json", "application/vnd.docker.container.image.v1+json"]);
const LAYER_TYPES = new Set([
  "application/vnd.oci.image.layer.v1.tar",
  "application/vnd.oci.image.layer.v1.tar+gzip",
  "application/vnd.docker.image.rootfs.diff.tar",
  "application/vnd.docker.image.rootfs.diff.tar.gzip",
]);
const IMAGE_NAME_ANNOTATION = "io.containerd.image.name";
const REF_NAME_ANNOTATION = "org.opencontainers.image.ref.name";
const MAX_INDEX_DEPTH = 8;

interface Descriptor {
  readonly mediaType: string;
  readonly digest: string;
  readonly size: number;
  readonly annotations: Record<string, unknown>;
  readonly platform: Record<string, unknown> | undefined;
}

async function planOciLayout(spool: ArchiveSpool, platform: HostPlatform): Promise<ImageToLoad[]> {
  const layout = spool.has("oci-layout") ? await readJson(spool, "oci-layout") : undefined;
  if (!isObject(layout) || typeof layout.imageLayoutVersion !== "string") {
    throw invalidArgument("the archive has index.json but no valid oci-layout file");
  }
  const index = await readJson(spool, "index.json");
  const images: ImageToLoad[] = [];
  for (const descriptor of manifestsOf(index, "index.json")) {
    const tags = tagsOf(descriptor);
    for (const manifest of await selectManifests(spool, descriptor, platform, 0)) {
      images.push({ ...(await planOciManifest(spool, manifest)), tags });
    }
  }
  return images;
}

async function selectManifests(spool: ArchiveSpool, d: Descriptor, platform: HostPlatform, depth: number): Promise<Descriptor[]> {
  if (MANIFEST_TYPES.has(d.mediaType)) return [d];
  if (!INDEX_TYPES.has(d.mediaType)) throw invalidArgument(`unsupported media type "${d.mediaType}" for ${d.digest}`);
  if (depth >= MAX_INDEX_DEPTH) throw invalidArgument(`index ${d.digest} nests more than ${MAX_INDEX_DEPTH} indexes`);
  const children = manifestsOf(await readBlobJson(spool, d), `index ${d.digest}`).filter((c) => matches(c, platform));
  if (children.length === 0) {
    throw invalidArgument(`index ${d.digest} has no manifest for ${platform.os}/${platform.architecture}`);
  }
  return selectManifests(spool, children[0]!, platform, depth + 1);
}

async function planOciManifest(spool: ArchiveSpool, d: Descriptor): Promise<Omit<ImageToLoad, "tags">> {
  const manifest = await readBlobJson(spool, d);
  const where = `manifest ${d.digest}`;
  if (!isObject(manifest) || !Array.isArray(manifest.layers)) throw invalidArgument(`${where} has no layers list`);
  const configDescriptor = descriptorOf(manifest.config, `${where} config`);
  if (!CONFIG_TYPES.has(configDescriptor.mediaType)) {
    throw invalidArgument(`unsupported media type "${configDescriptor.mediaType}" for the config of ${where}`);
  }
  const configFile = await verifiedBlob(spool, configDescriptor);
  const configBytes = await spool.readSmall(configFile);
  const config = parseConfig(configBytes, configFile.path);
  if (manifest.layers.length !== config.diffIds.length) {
    throw invalidArgument(`${where} lists ${manifest.layers.length} layers but its config has ${config.diffIds.length} diff_ids`);
  }
  const layers: LayerToLoad[] = [];
  for (const [i, raw] of manifest.layers.entries()) {
    const layer = descriptorOf(raw, `${where} layer ${i}`);
    if (!LAYER_TYPES.has(layer.mediaType)) throw invalidArgument(`unsupported media type "${layer.mediaType}" for layer ${layer.digest}`);
    layers.push({ file: await verifiedBlob(spool, layer), diffId: config.diffIds[i]! });
  }
  return { id: sha256Digest(configBytes), configBytes, config, layers };
}

function manifestsOf(index: unknown, where: string): Descriptor[] {
  if (!isObject(index) || !Array.isArray(index.manifests)) throw invalidArgument(`${where} has no manifests list`);
  return index.manifests
    .map((m, i) => descriptorOf(m, `${where} manifest ${i}`))
    .filter((m) => m.annotations["vnd.docker.reference.type"] !== "attestation-manifest");
}

function descriptorOf(value: unknown, where: string): Descriptor {
  if (!isObject(value) || typeof value.mediaType !== "string" || typeof value.digest !== "string" || typeof value.size !== "number") {
    throw invalidArgument(`${where} is not a descriptor with mediaType, digest and size`);
  }
  if (!isDigest(value.digest)) throw invalidArgument(`${where} has an unsupported digest "${value.digest}"`);
  return {
    mediaType: value.mediaType,
    digest: value.digest,
    size: value.size,
    annotations: isObject(value.annotations) ? value.annotations : {},
    platform: isObject(value.platform) ? value.platform : undefined,
  };
}

function matches(d: Descriptor, platform: HostPlatform): boolean {
  return d.platform === undefined || (d.platform.os === platform.os && d.platform.architecture === platform.architecture);
}

function tagsOf(d: Descriptor): Reference[] {
  const name = d.annotations[IMAGE_NAME_ANNOTATION] ?? d.annotations[REF_NAME_ANNOTATION];
  if (typeof name !== "string" || !/[:/]/.test(name)) return [];
  const ref = parseTag(name, `index.json manifest ${d.digest}`);
  return ref.tag === undefined ? [] : [{ domain: ref.domain, path: ref.path, tag: ref.tag }];
}

// --- shared ----------------------------------------------------------------------------------

/** The file a manifest names; a path leaving the archive or a missing file is INVALID_ARGUMENT. */
async function blobAt(spool: ArchiveSpool, path: string, what: string): Promise<SpooledFile> {
  const normal = normalizeArchivePath(path);
  if (normal === undefined) throw invalidArgument(`${what}: path "${path}" leaves the archive`);
  const file = spool.resolve(normal);
  if (!file) throw invalidArgument(`${what}: "${path}" is not in the archive`);
  // Content-addressed names (OCI blobs, docker save's "<id>.json") promise a digest: hold them to it.
  const promised = promisedDigest(normal);
  if (promised !== undefined && file.digest !== promised) {
    throw invalidArgument(`${normal} is corrupt: its content has digest ${file.digest}`);
  }
  return file;
}

async function verifiedBlob(spool: ArchiveSpool, d: Descriptor): Promise<SpooledFile> {
  const path = `blobs/sha256/${digestHex(d.digest)}`;
  const file = spool.resolve(path);
  if (!file) throw invalidArgument(`blob ${d.digest} (${d.mediaType}) is missing from the archive`);
  if (file.digest !== d.digest) throw invalidArgument(`blob ${path} is corrupt: its content has digest ${file.digest}`);
  if (file.size !== d.size) throw invalidArgument(`blob ${d.digest} is ${file.size} bytes but its descriptor says ${d.size}`);
  return file;
}

async function readBlobJson(spool: ArchiveSpool, d: Descriptor): Promise<unknown> {
  return parseJson(await spool.readSmall(await verifiedBlob(spool, d)), `blob ${d.digest}`);
}

async function readJson(spool: ArchiveSpool, path: string): Promise<unknown> {
  const file = spool.resolve(path);
  if (!file) throw invalidArgument(`${path} is missing from the archive`);
  return parseJson(await spool.readSmall(file), path);
}

function parseJson(bytes: Buffer, what: string): unknown {
  try {
    return JSON.parse(bytes.toString("utf8"));
  } catch (err) {
    throw invalidArgument(`${what} is not valid JSON: ${(err as Error).message}`);
  }
}

function parseConfig(bytes: Buffer, path: string): ImageConfig {
  try {
    return parseImageConfig(bytes);
  } catch (err) {
    throw invalidArgument(`image config ${path}: ${(err as Error).message}`);
  }
}

function parseTag(text: string, where: string): Reference {
  try {
    return parseNormalizedNamed(text);
  } catch (err) {
    throw invalidArgument(`${where}: invalid tag "${text}": ${(err as Error).message}`);
  }
}
