import { invalidArgument, notFound } from "@slipway/errors";
import { formatPlatform, imageMatchesPlatform, parsePlatform, RegistryError, type Platform } from "@slipway/registry-client";
import type { ImageRecord } from "./image-index.js";

/** A `--platform` value as dockerd parses it; a malformed one is INVALID_ARGUMENT with containerd's text. */
export function requestedPlatform(specifier: string): Platform {
  try {
    return parsePlatform(specifier);
  } catch (err) {
    throw err instanceof RegistryError ? invalidArgument(err.message) : err;
  }
}

/**
 * dockerd's text for an image that `reference` found but that does not serve the wanted platform
 * (OnlyPlatformWithFallback); undefined when it does.
 */
export function platformMismatch(image: ImageRecord, reference: string, wanted: Platform): string | undefined {
  const { os, architecture, variant } = image.config;
  if (imageMatchesPlatform(wanted, { os, architecture, variant })) return undefined;
  const actual = formatPlatform({ os, architecture, variant });
  return `image with reference ${reference} was found but does not match the specified platform: wanted ${formatPlatform(wanted)}, actual: ${actual}`;
}

/** dockerd's GetImage with a platform: the image found must serve it (NOT_FOUND with dockerd's text). */
export function requirePlatform(image: ImageRecord, reference: string, wanted: Platform | undefined): void {
  const mismatch = wanted && platformMismatch(image, reference, wanted);
  if (mismatch) throw notFound(mismatch);
}
