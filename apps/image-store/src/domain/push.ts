/**
 * `docker push` as dockerd 20.10 runs it (distribution/push.go, push_v2.go): "The push refers to
 * repository [<full name>]", then for the tag given, or for every tag of a bare name, the image's layers
 * (see push/layer-push.ts), its config and a schema 2 manifest PUT under the tag; each tag ends with
 * "<tag>: digest: <manifest digest> size: <bytes>", the aux result, and the digest reference
 * (name@<manifest digest>) in repositories.json, as dockerd records it.
 */
import { familiarName, familiarString, fullName, sha256Digest, truncateId, type Reference } from "@slipway/docker-spec";
import { invalidArgument, notFound } from "@slipway/errors";
import type { CallContext } from "@slipway/grpc-kit";
import { MediaType, schema2Manifest, type AuthConfig, type Descriptor, type RegistryClient, type Repository } from "@slipway/registry-client";
import { parseUserName, type ImageService } from "./image-service.js";
import type { ProgressSink } from "./progress.js";
import { hmacKey } from "./push/candidates.js";
import { LayerPush, type LayerToPush, type PushTarget } from "./push/layer-push.js";
import { MAX_CONCURRENT_UPLOADS, uploadAll } from "./push/upload-queue.js";
import { fromRegistryError } from "./registry-errors.js";
import { TransferSlots } from "./transfer-slots.js";

export interface PushRequest {
  /** "127.0.0.1:5000/x:1"; a name without tag pushes every tag of the repository. */
  readonly reference: string;
  /** The X-Registry-Auth credentials; none for anonymous. */
  readonly auth?: AuthConfig;
}

/**
 * Pushes the reference's tag (or every tag of its name). Errors after the first message end the push
 * with dockerd's text; registry errors keep the registry client's words.
 */
export async function pushImage(
  images: ImageService,
  registry: RegistryClient,
  request: PushRequest,
  emit: ProgressSink,
  ctx: CallContext,
): Promise<void> {
  const ref = parseUserName(request.reference);
  emit({ id: "", status: `The push refers to repository [${fullName(ref)}]` });
  if (images.refs.referencesByName(ref).length === 0) throw notFound(`An image does not exist locally with the tag: ${familiarName(ref)}`);
  const auth = request.auth ?? {};
  try {
    await registry.withRepository(ref, { auth, push: true, signal: ctx.signal }, (repository) =>
      pushRepository(images, targetOf(images, repository, ref, auth), ref, emit, ctx),
    );
  } catch (err) {
    throw fromRegistryError(err);
  }
  images.deps.events.transferred("push", ref, images);
}

/** What every layer of every tag of this push shares: the repository, the credentials' HMAC key, the layers found so far. */
function targetOf(images: ImageService, repository: Repository, ref: Reference, auth: AuthConfig): PushTarget {
  return {
    repository,
    ref: { domain: ref.domain, path: ref.path },
    name: fullName(ref),
    hmacKey: hmacKey(auth),
    hasAuthInfo: Boolean(auth.registrytoken || (auth.username && auth.password)),
    metadata: images.deps.distribution,
    remoteLayers: new Map(),
  };
}

/** The tag named, or every tag of the name in the reference store's order (pushV2Repository). */
async function pushRepository(images: ImageService, target: PushTarget, ref: Reference, emit: ProgressSink, ctx: CallContext): Promise<void> {
  if (ref.tag !== undefined) {
    const id = images.refs.get(ref);
    if (id === undefined) throw notFound(`tag does not exist: ${familiarString(ref)}`);
    return pushTag(images, target, ref.tag, id, emit, ctx);
  }
  if (ref.digest !== undefined) throw invalidArgument("cannot push a digest reference");
  const tagged = images.refs.referencesByName(ref).filter((association) => association.ref.digest === undefined);
  if (tagged.length === 0) throw notFound(`no tags to push for ${familiarName(ref)}`);
  for (const { ref: tag, id } of tagged) await pushTag(images, target, tag.tag!, id, emit, ctx);
}

/** One tag: layers top first, then config and manifest (pushV2Tag). */
async function pushTag(images: ImageService, target: PushTarget, tag: string, imageId: string, emit: ProgressSink, ctx: CallContext): Promise<void> {
  const image = images.images.get(imageId);
  if (!image) throw notFound(`could not find image from tag ${familiarString({ ...target.ref, tag })}: No such image: ${imageId}`);
  const { layers } = await images.describe(image, ctx);
  const topFirst = layers
    .map((layer): LayerToPush & { id: string; key: string } => ({
      id: truncateId(layer.diffId),
      key: layer.diffId,
      diffId: layer.diffId,
      size: layer.size,
      open: () => images.deps.layers.export(layer.chainId, ctx),
    }))
    .reverse();
  const pushed = await uploadAll(topFirst, (layer, signal) => new LayerPush(target, layer, (p) => emit({ id: layer.id, ...p }), signal).run(), {
    emit,
    signal: ctx.signal,
    slots: new TransferSlots(MAX_CONCURRENT_UPLOADS),
  });
  const config = await pushConfig(target.repository, image.configBytes, ctx.signal);
  const manifest = schema2Manifest(config, pushed.reverse());
  const { digest } = await target.repository.manifests.put(tag, manifest, MediaType.dockerManifest, ctx.signal);
  emit({ id: "", status: `${tag}: digest: ${digest} size: ${manifest.length}` });
  await addDigestReference(images, { ...target.ref, digest }, imageId);
  emit({ id: "", status: "", pushResult: { tag, digest, size: manifest.length } });
}

/** The image config blob: already there, or uploaded (schema2's manifest builder). */
async function pushConfig(repository: Repository, bytes: Buffer, signal: AbortSignal): Promise<Descriptor> {
  const digest = sha256Digest(bytes);
  const stat = await repository.blobs.stat(digest, signal);
  if (stat !== undefined) return { mediaType: MediaType.dockerConfig, digest, size: stat.size };
  return repository.uploads.upload(
    async function* () {
      yield bytes;
    },
    { digest, size: bytes.length, mediaType: MediaType.dockerConfig, signal },
  );
}

/** name@<manifest digest> → the image, unless that digest already names an image (digests never move). */
async function addDigestReference(images: ImageService, digestRef: Reference, imageId: string): Promise<void> {
  await images.change(async () => {
    if (images.refs.get(digestRef) !== undefined) return;
    images.refs.add(digestRef, imageId);
    await images.saveReferences();
  });
}
