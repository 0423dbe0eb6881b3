/**
 * When dockerd 20.10 leaves one endpoint for the next (distribution.continueOnError): a mirror gives way
 * on nearly anything; the registry itself only when it said unauthorized, unknown manifest or unknown
 * repository, or answered with something that is not a registry error.
 */
import { ConfigPullError } from "./blobs.js";
import { RegistryResponseError } from "./errors.js";
import { UnsupportedMediaTypeError } from "./manifest.js";

const FALLBACK_CODES = new Set(["UNAUTHORIZED", "MANIFEST_UNKNOWN", "NAME_UNKNOWN"]);

export function shouldTryNextEndpoint(err: unknown, mirror: boolean): boolean {
  if (err instanceof UnsupportedMediaTypeError) return false;
  if (err instanceof ConfigPullError) return mirror;
  if (err instanceof RegistryResponseError && err.first !== undefined && !err.first.bare) return mirror || FALLBACK_CODES.has(err.first.code);
  return true;
}
