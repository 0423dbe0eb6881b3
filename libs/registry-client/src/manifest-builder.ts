/**
 * The Docker schema 2 manifest dockerd 20.10 pushes (distribution's schema2.FromStruct): Go's
 * json.MarshalIndent with a three-space indent, descriptors as mediaType, size, digest. Its bytes are
 * what the registry stores and what the pushed manifest digest is taken of.
 */
import { MediaType } from "./media-types.js";
import type { Descriptor } from "./manifest.js";

/** The manifest of an image config and its layers (base first), as the exact bytes to PUT. */
export function schema2Manifest(config: Descriptor, layers: readonly Descriptor[]): Buffer {
  const document = {
    schemaVersion: 2,
    mediaType: MediaType.dockerManifest,
    config: descriptorJson({ ...config, mediaType: MediaType.dockerConfig }),
    layers: layers.map(descriptorJson),
  };
  return Buffer.from(JSON.stringify(document, null, 3));
}

/** distribution.Descriptor's JSON: fields in struct order, the empty ones left out. */
function descriptorJson(descriptor: Descriptor): object {
  const { mediaType, size, digest } = descriptor;
  return { ...(mediaType ? { mediaType } : {}), ...(size ? { size } : {}), ...(digest ? { digest } : {}) };
}
