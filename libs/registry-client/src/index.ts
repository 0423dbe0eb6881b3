export { AUTH_CLIENT_ID, repositoryScope, type AuthConfig } from "./auth.js";
export { decodeRegistryAuth, encodeRegistryAuth, parseAuthConfig } from "./auth-header.js";
export { ConfigPullError, MAX_CONFIG_BYTES, type BlobTarget, type DownloadOptions } from "./blobs.js";
export { parseChallenges, type Challenge } from "./challenge.js";
export { RegistryClient, type RegistryClientOptions, type RepositoryOptions } from "./client.js";
export { DOCKER_HUB_API, DOCKER_HUB_DOMAIN, RegistryHosts, type Endpoint, type RegistryHostsOptions } from "./endpoints.js";
export { responseError, type ErrorAnswer } from "./error-response.js";
export {
  DigestMismatchError,
  RegistryError,
  RegistryResponseError,
  RequestError,
  errcodeText,
  pullError,
  transferError,
  type ErrcodeEntry,
  type ErrorCategory,
} from "./errors.js";
export { shouldTryNextEndpoint } from "./fallback.js";
export { login, loginHost, type LoginResult } from "./login.js";
export {
  UnsupportedMediaTypeError,
  checkImageManifest,
  parseManifest,
  schema1Error,
  type Descriptor,
  type ImageManifest,
  type Manifest,
  type ManifestIndex,
} from "./manifest.js";
export { schema2Manifest } from "./manifest-builder.js";
export { MAX_MANIFEST_BYTES, type FetchedManifest } from "./manifests.js";
export { MANIFEST_ACCEPT, MediaType, isSupportedBlobType } from "./media-types.js";
export {
  formatPlatform,
  hostPlatform,
  imageMatchesPlatform,
  normalizePlatform,
  parsePlatform,
  selectManifest,
  type ListedPlatform,
  type Platform,
} from "./platform.js";
export { Repository } from "./repository.js";
export { INDEX_SERVER, serviceConfig, type IndexInfo, type ServiceConfig } from "./service-config.js";
export { resolveImage, type ResolvedImage, type ResolveOptions } from "./resolve.js";
export { DEFAULT_CERTS_DIR } from "./tls-files.js";
export type { BlobSource, MountResult, UploadLocation, UploadMode, UploadOptions } from "./uploads.js";
