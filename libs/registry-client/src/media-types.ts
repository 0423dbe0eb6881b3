/** The media types of the Docker and OCI image formats, and which of them dockerd 20.10 accepts where. */
export const MediaType = {
  dockerManifest: "application/vnd.docker.distribution.manifest.v2+json",
  dockerManifestList: "application/vnd.docker.distribution.manifest.list.v2+json",
  dockerSchema1: "application/vnd.docker.distribution.manifest.v1+json",
  dockerSchema1Signed: "application/vnd.docker.distribution.manifest.v1+prettyjws",
  ociManifest: "application/vnd.oci.image.manifest.v1+json",
  ociIndex: "application/vnd.oci.image.index.v1+json",
  dockerConfig: "application/vnd.docker.container.image.v1+json",
  ociConfig: "application/vnd.oci.image.config.v1+json",
  dockerLayer: "application/vnd.docker.image.rootfs.diff.tar.gzip",
  dockerForeignLayer: "application/vnd.docker.image.rootfs.foreign.diff.tar.gzip",
  ociLayer: "application/vnd.oci.image.layer.v1.tar",
  ociLayerGzip: "application/vnd.oci.image.layer.v1.tar+gzip",
  ociLayerZstd: "application/vnd.oci.image.layer.v1.tar+zstd",
  pluginConfig: "application/vnd.docker.plugin.v1+json",
} as const;

/**
 * The Accept list of a manifest request. Schema 1 is asked for too, as dockerd 20.10 does, so that a
 * registry holding only schema 1 answers with it and the refusal can say so instead of "not found".
 */
export const MANIFEST_ACCEPT: readonly string[] = [
  MediaType.dockerManifest,
  MediaType.dockerManifestList,
  MediaType.ociManifest,
  MediaType.ociIndex,
  MediaType.dockerSchema1Signed,
  MediaType.dockerSchema1,
];

// Config media types dockerd treats as images: the two real ones, and what broken registries served for them.
const IMAGE_CONFIG_TYPES = new Set<string>([
  MediaType.dockerConfig,
  MediaType.ociConfig,
  "application/octet-stream",
  "application/json",
  "text/html",
  "",
]);

// Exact types or prefixes (followed by ".") of layers and configs dockerd pulls; anything else is an artifact.
const SUPPORTED_BLOB_TYPES = ["application/vnd.oci.image", "application/vnd.docker", "application/octet-stream", "application/json", "text/html", ""];

/** True when a config media type is an image's (dockerd's ImageTypes). */
export function isImageConfigType(mediaType: string): boolean {
  return IMAGE_CONFIG_TYPES.has(mediaType);
}

/** "plugin", "image" or "unknown": the class dockerd names when it refuses a config media type. */
export function configClassOf(mediaType: string): string {
  if (mediaType === MediaType.pluginConfig) return "plugin";
  return isImageConfigType(mediaType) ? "image" : "unknown";
}

/** True when dockerd would pull a blob of this media type (its checkSupportedMediaType). */
export function isSupportedBlobType(mediaType: string): boolean {
  const lower = mediaType.toLowerCase();
  return SUPPORTED_BLOB_TYPES.some((type) => lower === type || lower.startsWith(`${type}.`));
}

/** The media type of a Content-Type header without its parameters, lower-cased ("" for none). */
export function bareMediaType(contentType: string | undefined): string {
  return (contentType ?? "").split(";")[0]!.trim().toLowerCase();
}
