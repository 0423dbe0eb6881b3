/**
 * From a reference to the image manifest dockerd 20.10 would pull: the tag resolved to a digest, the
 * manifest fetched by digest and verified, a manifest list or index narrowed to one platform, and the
 * manifest checked before any blob is asked for.
 */
import { familiarString, type Reference } from "@slipway/docker-spec";
import { RegistryError } from "./errors.js";
import { checkConfigClass, checkImageManifest, type ImageManifest } from "./manifest.js";
import type { FetchedManifest } from "./manifests.js";
import { hostPlatform, normalizePlatform, selectManifest, type Platform } from "./platform.js";
import type { Repository } from "./repository.js";

export interface ResolvedImage {
  /**
   * What `docker pull` prints as "Digest:" and records as name@digest: the list's or index's digest when
   * the reference named one, else the manifest's.
   */
  readonly digest: string;
  /** The image manifest to pull. */
  readonly image: FetchedManifest & { readonly manifest: ImageManifest };
  /** The list or index it was chosen from, if any. */
  readonly index?: FetchedManifest;
  /** The chosen entry's platform, normalised, when it came from a list. */
  readonly platform?: Platform;
}

export interface ResolveOptions {
  /** The tag or digest to resolve, in the repository: one of its tags when it was opened by name alone. */
  readonly ref?: Reference;
  /** `--platform`; by default the host's. */
  readonly platform?: Platform;
  /** The host platform (default: this process's). */
  readonly host?: Platform;
  readonly signal?: AbortSignal;
  /**
   * Called once the manifest the reference names is fetched (and, for an image manifest, its config class
   * accepted): where dockerd prints "Pulling from", so later errors (no matching platform, unsupported
   * media types) come after that line, as in dockerd.
   */
  readonly onManifest?: () => void;
}

export async function resolveImage(repository: Repository, options: ResolveOptions = {}): Promise<ResolvedImage> {
  const ref = options.ref ?? repository.ref;
  const top = await repository.manifests.get(await topDigest(repository, ref, options.signal), ref, options.signal);
  if (top.manifest.kind === "image") checkConfigClass(top.manifest);
  options.onManifest?.();
  if (top.manifest.kind === "image") return { digest: top.digest, image: checked(top) };
  const host = options.host ?? hostPlatform();
  const entry = selectManifest(top.manifest.manifests, options.platform, host);
  const chosen = await repository.manifests.get(entry.digest, ref, options.signal);
  if (chosen.manifest.kind !== "image") throw new RegistryError("unsupported manifest format", { category: "invalid-parameter" });
  return { digest: top.digest, image: checked(chosen), index: top, platform: normalizePlatform(entry.platform ?? {}, host.os) };
}

async function topDigest(repository: Repository, ref: Reference, signal: AbortSignal | undefined): Promise<string> {
  if (ref.digest !== undefined) return ref.digest;
  if (ref.tag !== undefined) return (await repository.manifests.resolve(ref.tag, ref, signal)).digest;
  throw new RegistryError(`internal error: reference has neither a tag nor a digest: ${familiarString(ref)}`);
}

function checked(fetched: FetchedManifest): FetchedManifest & { readonly manifest: ImageManifest } {
  const manifest = fetched.manifest as ImageManifest;
  checkImageManifest(manifest);
  return { ...fetched, manifest };
}
