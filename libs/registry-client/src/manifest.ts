/**
 * Manifests as dockerd 20.10 reads them: Docker schema 2 manifests and manifest lists, OCI manifests and
 * indexes, each checked the way distribution's decoders check it. Schema 1 is refused.
 */
import { referenceString, type Reference } from "@slipway/docker-spec";
import { digestProblem } from "./digests.js";
import { RegistryError } from "./errors.js";
import { parseJsonLikeGo } from "./go-json.js";
import { MediaType, bareMediaType, configClassOf, isImageConfigType, isSupportedBlobType } from "./media-types.js";
import type { ListedPlatform } from "./platform.js";

/** A content descriptor: a blob or a manifest by digest. */
export interface Descriptor {
  readonly mediaType: string;
  readonly digest: string;
  readonly size: number;
  /** Where a foreign layer may also be found; dockerd fetches it from the registry regardless. */
  readonly urls?: readonly string[];
  /** Set on the entries of a manifest list or index. */
  readonly platform?: ListedPlatform;
  readonly annotations?: Readonly<Record<string, string>>;
}

/** An image manifest (Docker schema 2 or OCI). */
export interface ImageManifest {
  readonly kind: "image";
  readonly mediaType: string;
  readonly config: Descriptor;
  readonly layers: readonly Descriptor[];
}

/** A Docker manifest list or an OCI index. */
export interface ManifestIndex {
  readonly kind: "index";
  readonly mediaType: string;
  readonly manifests: readonly Descriptor[];
}

export type Manifest = ImageManifest | ManifestIndex;

const invalid = (message: string) => new RegistryError(message, { category: "invalid-parameter" });

/** A config or layer of a media type dockerd does not pull (an OCI artifact): no other endpoint is tried. */
export class UnsupportedMediaTypeError extends RegistryError {
  override name = "UnsupportedMediaTypeError";

  constructor(readonly mediaType: string) {
    super(`unsupported media type ${mediaType}`, { category: "invalid-parameter" });
  }
}

/** moby's refusal of schema 1, naming the image (`ref` in its canonical form). */
export function schema1Error(ref: Reference): RegistryError {
  return invalid(
    "Docker Image Format v1 and Docker Image manifest version 2, schema 1 support has been removed. " +
      `Suggest the author of ${referenceString(ref)} to upgrade the image to the OCI Format or Docker Image manifest v2, schema 2. ` +
      "More information at https://docs.docker.com/go/deprecated-image-specs/",
  );
}

/**
 * Decodes a manifest served with `contentType`. A Content-Type that names no manifest format (some
 * registries send application/json) is resolved by the body's own mediaType field.
 */
export function parseManifest(contentType: string, bytes: Uint8Array, ref: Reference): Manifest {
  const document = parseJsonLikeGo(Buffer.from(bytes).toString("utf8"));
  const body = (document !== null && typeof document === "object" && !Array.isArray(document) ? document : {}) as Record<string, unknown>;
  const declared = typeof body.mediaType === "string" ? body.mediaType : "";
  let mediaType = bareMediaType(contentType);
  if (!MANIFEST_TYPES.has(mediaType))
    mediaType = MANIFEST_TYPES.has(declared) ? declared : body.schemaVersion === 1 ? MediaType.dockerSchema1 : mediaType;
  switch (mediaType) {
    case MediaType.dockerSchema1:
    case MediaType.dockerSchema1Signed:
      throw schema1Error(ref);
    case MediaType.dockerManifest:
      if (declared !== mediaType) throw invalid(`mediaType in manifest should be '${mediaType}' not '${declared}'`);
      return imageManifest(mediaType, body);
    case MediaType.ociManifest:
      if (body.manifests !== undefined) throw invalid("ocimanifest: expected manifest but found index");
      if (declared !== "" && declared !== mediaType) throw invalid(`if present, mediaType in manifest should be '${mediaType}' not '${declared}'`);
      return imageManifest(mediaType, body);
    case MediaType.dockerManifestList:
      if (declared !== mediaType) throw invalid(`mediaType in manifest list should be '${mediaType}' not '${declared}'`);
      return manifestIndex(mediaType, body);
    case MediaType.ociIndex:
      if (body.config !== undefined || body.layers !== undefined) throw invalid("index: expected index but found manifest");
      if (declared !== "" && declared !== mediaType) throw invalid(`if present, mediaType in image index should be '${mediaType}' not '${declared}'`);
      return manifestIndex(mediaType, body);
    default:
      throw invalid("unsupported manifest format");
  }
}

const MANIFEST_TYPES = new Set<string>([
  MediaType.dockerManifest,
  MediaType.dockerManifestList,
  MediaType.ociManifest,
  MediaType.ociIndex,
  MediaType.dockerSchema1,
  MediaType.dockerSchema1Signed,
]);

function imageManifest(mediaType: string, body: Record<string, unknown>): ImageManifest {
  const layers = body.layers ?? [];
  if (!Array.isArray(layers)) throw invalid("invalid manifest: layers is not a list");
  return {
    kind: "image",
    mediaType,
    config: descriptorOf(body.config ?? {}, "config"),
    layers: layers.map((layer, i) => descriptorOf(layer, `layers[${i}]`)),
  };
}

function manifestIndex(mediaType: string, body: Record<string, unknown>): ManifestIndex {
  const manifests = body.manifests ?? [];
  if (!Array.isArray(manifests)) throw invalid("invalid manifest list: manifests is not a list");
  return { kind: "index", mediaType, manifests: manifests.map((entry, i) => descriptorOf(entry, `manifests[${i}]`)) };
}

function descriptorOf(value: unknown, where: string): Descriptor {
  if (value === null || typeof value !== "object" || Array.isArray(value)) throw invalid(`invalid manifest: ${where} is not a descriptor`);
  const fields = value as Record<string, unknown>;
  const text = (name: string) => {
    const field = fields[name] ?? "";
    if (typeof field !== "string") throw invalid(`invalid manifest: ${where}.${name} is not a string`);
    return field;
  };
  const size = fields.size ?? 0;
  if (typeof size !== "number" || !Number.isSafeInteger(size) || size < 0) throw invalid(`invalid manifest: ${where}.size is not a size`);
  const urls = fields.urls;
  if (urls !== undefined && !(Array.isArray(urls) && urls.every((url) => typeof url === "string")))
    throw invalid(`invalid manifest: ${where}.urls is not a list of strings`);
  const platform = fields.platform;
  return {
    mediaType: text("mediaType"),
    digest: text("digest"),
    size,
    ...(urls !== undefined ? { urls: urls as string[] } : {}),
    ...(platform !== null && typeof platform === "object" ? { platform: platform as ListedPlatform } : {}),
    ...(fields.annotations !== null && typeof fields.annotations === "object" ? { annotations: fields.annotations as Record<string, string> } : {}),
  };
}

/** A Docker manifest's config must be an image's, not a plugin's (checked before dockerd says "Pulling from"). */
export function checkConfigClass(manifest: ImageManifest): void {
  const configType = manifest.config.mediaType;
  if (manifest.mediaType === MediaType.dockerManifest && !isImageConfigType(configType)) {
    throw invalid(`Encountered remote ${JSON.stringify(configType)}(${configClassOf(configType)}) when fetching`);
  }
}

/**
 * dockerd's checks of an image manifest before it pulls anything: a Docker manifest's config must be an
 * image's (not a plugin's), and the config and every layer must have a valid digest and a media type
 * dockerd pulls.
 */
export function checkImageManifest(manifest: ImageManifest): void {
  checkConfigClass(manifest);
  const configType = manifest.config.mediaType;
  if (!isSupportedBlobType(configType)) throw new UnsupportedMediaTypeError(configType);
  const configProblem = digestProblem(manifest.config.digest);
  if (configProblem !== undefined) throw invalid(`invalid config digest ${JSON.stringify(manifest.config.digest)}: ${configProblem}`);
  for (const layer of manifest.layers) {
    const problem = digestProblem(layer.digest);
    if (problem !== undefined) throw new RegistryError(`could not validate layer digest ${JSON.stringify(layer.digest)}: ${problem}`);
    if (!isSupportedBlobType(layer.mediaType)) throw new UnsupportedMediaTypeError(layer.mediaType);
  }
}
