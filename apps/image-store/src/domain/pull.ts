/**
 * `docker pull` as dockerd 20.10 runs it (daemon/images/image_pull.go, distribution/pull_v2.go): the
 * reference resolved to a manifest ("<tag>: Pulling from <path>"), the image's layers (pull-layers.ts) and
 * config unless the image is here already, then "Digest: …", the digest reference and the tag in
 * repositories.json, and "Status: Downloaded newer image for …" or "Status: Image is up to date for …".
 * A name without tag or digest pulls each tag the registry lists, in its order, with one status at the end.
 * A failed pull keeps nothing: its layers are released and no config, reference or distribution entry is written.
 */
import { familiarName, familiarString, fullName, isDigest, referenceString, withTag, type Reference } from "@slipway/docker-spec";
import { internal, invalidArgument } from "@slipway/errors";
import type { CallContext } from "@slipway/grpc-kit";
import { resolveImage, type AuthConfig, type Platform, type RegistryClient, type Repository, type ResolvedImage } from "@slipway/registry-client";
import { isObject } from "./go-json.js";
import { parseImageConfig, type ImageConfig } from "./image-config.js";
import type { ImageRecord } from "./image-index.js";
import { holderOf, parseUserName, type ImageService } from "./image-service.js";
import type { ProgressSink } from "./progress.js";
import { platformMismatch, requestedPlatform } from "./platform.js";
import { pullLayers, ROOTFS_MISMATCH } from "./pull-layers.js";
import { fromRegistryError } from "./registry-errors.js";

export interface PullRequest {
  /** The Engine API's fromImage: "alpine", "alpine:3.19", "127.0.0.1:5000/x@sha256:…". */
  readonly reference: string;
  /** The Engine API's tag, when given apart; a digest makes it a pull by digest; none on a bare name: every tag. */
  readonly tag?: string;
  /** `--platform` ("os[/arch[/variant]]"); the host's when absent. */
  readonly platform?: string;
  readonly auth?: AuthConfig;
}

/** What one pull did: whether the reference now names another image ("Downloaded newer image"). */
interface Pulled {
  readonly imageId: string;
  readonly updated: boolean;
  /** The image was chosen from a manifest list or index for the platform. */
  readonly fromList: boolean;
}

export async function pullImage(
  images: ImageService,
  registry: RegistryClient,
  request: PullRequest,
  emit: ProgressSink,
  ctx: CallContext,
): Promise<void> {
  const ref = pullReference(request.reference, request.tag ?? "");
  const platform = request.platform ? requestedPlatform(request.platform) : undefined;
  let pulled: Pulled[];
  try {
    pulled = await registry.withRepository(ref, { auth: request.auth ?? {}, signal: ctx.signal }, async (repository) => {
      const refs = isNameOnly(ref) ? (await repository.tags.all(ctx.signal)).map((tag) => withTag(ref, tag)) : [ref];
      const results: Pulled[] = [];
      for (const tagOrDigestRef of refs) results.push(await pullFrom(images, repository, tagOrDigestRef, platform, emit, ctx));
      return results;
    });
  } catch (err) {
    throw fromRegistryError(err);
  }
  const updated = pulled.some((image) => image.updated);
  emit({ id: "", status: `Status: ${updated ? "Downloaded newer image" : "Image is up to date"} for ${familiarString(ref)}` });
  images.deps.events.transferred("pull", ref, images);
  if (platform !== undefined) warnOnOtherPlatform(images, request.reference, platform, pulled, emit);
}

/** dockerd's PullImage: a trailing ":" dropped, `tag` applied (a digest as a digest); a bare name stays bare (every tag). */
function pullReference(reference: string, tag: string): Reference {
  let ref = parseUserName(reference.replace(/:$/, ""));
  if (tag !== "") {
    try {
      ref = isDigest(tag) ? { domain: ref.domain, path: ref.path, digest: tag } : withTag(ref, tag);
    } catch (err) {
      throw invalidArgument((err as Error).message);
    }
  }
  if (familiarName(ref) === "scratch") throw invalidArgument("'scratch' is a reserved name");
  return ref;
}

const isNameOnly = (ref: Reference) => ref.tag === undefined && ref.digest === undefined;

/** One tag or digest of the repository (dockerd's pullV2Tag). */
async function pullFrom(
  images: ImageService,
  repository: Repository,
  ref: Reference,
  platform: Platform | undefined,
  emit: ProgressSink,
  ctx: CallContext,
): Promise<Pulled> {
  const tagOrDigest = ref.digest !== undefined ? referenceString(ref) : ref.tag!;
  const onManifest = () => emit({ id: tagOrDigest, status: `Pulling from ${repository.path}` });
  const resolved = await resolveImage(repository, { ref, ...(platform ? { platform } : {}), signal: ctx.signal, onManifest });
  const imageId = resolved.image.manifest.config.digest;
  const fetched = images.images.has(imageId) ? undefined : await fetchImage(images, repository, resolved, platform, emit, ctx);
  try {
    const updated = await images.change(async () => {
      if (fetched) await images.store(fetched.image);
      emit({ id: "", status: `Digest: ${resolved.digest}` });
      return recordReferences(images, ref, resolved.digest, imageId);
    });
    return { imageId, updated, fromList: resolved.index !== undefined };
  } catch (err) {
    if (fetched && !images.images.has(imageId)) await images.releaseQuietly(imageId, fetched.registered);
    throw err;
  }
}

/** The config and the layers of an image not here yet, each layer's blob recorded in distribution/. */
async function fetchImage(
  images: ImageService,
  repository: Repository,
  resolved: ResolvedImage,
  platform: Platform | undefined,
  emit: ProgressSink,
  ctx: CallContext,
): Promise<{ image: ImageRecord; registered: string[] }> {
  const { manifest } = resolved.image;
  if (platform !== undefined && platform.os !== "linux") throw internal("operating system is not supported");
  const configBytes = await repository.blobs.readConfig(manifest.config, ctx.signal);
  const config = pulledConfig(configBytes, manifest.layers.length);
  const id = manifest.config.digest;
  const { layers, distribution, downloads } = images.deps;
  const registered = await pullLayers(
    repository,
    { config, layers: manifest.layers, holder: holderOf(id) },
    { layers, distribution, downloads, emit, ctx },
  );
  try {
    const sourceRepository = fullName(repository.ref);
    for (const [i, layer] of manifest.layers.entries())
      await distribution.add(config.diffIds[i]!, { digest: layer.digest, sourceRepository, hmac: "" });
  } catch (err) {
    await images.releaseQuietly(id, registered);
    throw internal("failed to record where the image's layers came from", err);
  }
  return { image: { id, configBytes, config }, registered };
}

/**
 * The pulled config checked as dockerd checks it on Linux: a rootfs, an OS this host runs, and as many
 * diffIDs as the manifest has layers (errors as dockerd words them).
 */
function pulledConfig(bytes: Buffer, layerCount: number): ImageConfig {
  let doc: unknown;
  try {
    doc = JSON.parse(bytes.toString("utf8"));
  } catch (err) {
    throw internal((err as Error).message, err);
  }
  if (!isObject(doc) || !isObject(doc.rootfs)) throw internal("invalid rootfs in image configuration");
  if (doc.os === "windows") throw internal('image operating system "windows" cannot be used on this platform');
  if (typeof doc.os === "string" && doc.os !== "" && doc.os !== "linux") throw internal("operating system is not supported");
  let config: ImageConfig;
  try {
    config = parseImageConfig(bytes);
  } catch (err) {
    throw internal((err as Error).message, err);
  }
  if (config.diffIds.length !== layerCount) throw internal(ROOTFS_MISMATCH);
  return config;
}

/**
 * pullV2Tag's reference updates, under the store's lock: nothing new when the reference already names the
 * image (its digest reference added if missing); a digest reference for a pull by digest; else the digest
 * reference (unless that digest names an image already) and the tag. True when the reference changed.
 */
async function recordReferences(images: ImageService, ref: Reference, manifestDigest: string, imageId: string): Promise<boolean> {
  const { refs } = images;
  const updated = refs.get(ref) !== imageId;
  const digestRef: Reference = { domain: ref.domain, path: ref.path, digest: manifestDigest };
  const digestRefs = ref.digest === undefined && refs.get(digestRef) === undefined ? [digestRef] : [];
  const additions = [...digestRefs, ...(updated ? [ref] : [])];
  for (const addition of additions) refs.add(addition, imageId);
  if (additions.length > 0) await images.saveReferences();
  return updated;
}

/**
 * dockerd's check after a pull with --platform: the image the requested name finds (a bare name meaning
 * :latest) that does not match gets a warning line, unless a manifest list chose it for the platform.
 */
function warnOnOtherPlatform(images: ImageService, name: string, platform: Platform, pulled: readonly Pulled[], emit: ProgressSink): void {
  let image: ImageRecord;
  try {
    image = images.find(name);
  } catch {
    return;
  }
  const mismatch = platformMismatch(image, name, platform);
  if (mismatch === undefined || pulled.some((one) => one.fromList && one.imageId === image.id)) return;
  emit({ id: "", status: `WARNING: ${mismatch}` });
}
