/**
 * The layers of a pull as dockerd 20.10's download manager handles them (distribution/xfer/download.go):
 * the base layers this store already has from an earlier pull of the same blobs are "Already exists";
 * every other distinct blob is "Pulling fs layer", then downloaded (at most TransferSlots' limit at once,
 * engine-wide, the rest "Waiting"), verified, and registered in layer order. A blob named twice is
 * downloaded once; its second layer is registered from the first one's tar, without progress lines.
 *
 * Unlike dockerd, nothing waits in a temp file: each download streams into a layer-store registration
 * whose place (parent and holder) follows once the layers below it are registered, so layer-store
 * extracts while the blob arrives. A download that fails (a digest mismatch included) discards its
 * registration, and layer-store removes what it extracted.
 */
import { CONSTRUCTOR_OF_KIND, internal, SlipwayError } from "@slipway/errors";
import { truncateId } from "@slipway/docker-spec";
import type { CallContext } from "@slipway/grpc-kit";
import type { Descriptor, Repository } from "@slipway/registry-client";
import type { DistributionMetadata } from "../storage/distribution-metadata.js";
import type { ImageConfig } from "./image-config.js";
import type { LayerInfo, LayerStore, StagedLayer } from "./ports.js";
import type { ProgressSink } from "./progress.js";
import { withProgress } from "./push/progress-reader.js";
import type { TransferSlots } from "./transfer-slots.js";

/** An image whose layers are to be pulled: its config (checked against the manifest) and the manifest's layers. */
export interface ImageToPull {
  readonly config: ImageConfig;
  /** The manifest's layers, base first, as many as the config's diffIDs. */
  readonly layers: readonly Descriptor[];
  /** The layer-store holder the image keeps its layers under. */
  readonly holder: string;
}

export interface LayerPullDeps {
  readonly layers: LayerStore;
  readonly distribution: DistributionMetadata;
  readonly downloads: TransferSlots;
  readonly emit: ProgressSink;
  readonly ctx: CallContext;
}

/** dockerd's words for layers whose content is not what the image config says (distribution/pull_v2.go). */
export const ROOTFS_MISMATCH = "layers from manifest don't match image configuration";

/** One layer above the present base: downloaded into a staged registration, or a repeat of an earlier blob. */
type MissingLayer = { readonly index: number; readonly downloaded: Promise<StagedLayer> } | { readonly index: number; readonly repeatOf: number };

/**
 * Registers the image's missing layers under its holder, in order, and returns the chainIDs registered, top
 * first (for the caller to release if the pull fails later). On failure nothing it registered is held.
 */
export async function pullLayers(repository: Repository, image: ImageToPull, deps: LayerPullDeps): Promise<string[]> {
  const present = await presentBase(image, deps);
  const stop = new AbortController();
  const signal = AbortSignal.any([deps.ctx.signal, stop.signal]);
  const missing = startDownloads(repository, image, present, deps, signal);
  const registered: string[] = [];
  const chainAt = (index: number) => (index < 0 ? "" : index < present ? image.config.chainIds[index]! : registered[index - present]!);
  try {
    if (missing.length === 0 && present > 0) registered.push(await holdTop(image, deps));
    const diffIds = image.config.diffIds.slice(0, present);
    for (const layer of missing) {
      const info = await place(layer, image, chainAt, deps);
      registered.push(info.chainId);
      diffIds.push(info.diffId);
    }
    if (diffIds.some((diffId, i) => diffId !== image.config.diffIds[i])) throw internal(ROOTFS_MISMATCH);
    return registered.reverse();
  } catch (err) {
    stop.abort(err);
    await Promise.all(
      missing.map((layer) =>
        "downloaded" in layer
          ? layer.downloaded.then(
              (staged) => staged.discard(),
              () => undefined,
            )
          : undefined,
      ),
    );
    // Not under the call's context: a cancelled pull must still give its layers back.
    for (const chainId of registered.reverse()) await deps.layers.release(chainId, image.holder).catch(() => undefined);
    throw err;
  }
}

/**
 * How many base layers are already here: those whose blob an earlier pull recorded as this diffID and whose
 * chain layer-store has, up to the first that is not ("Already exists" each).
 */
async function presentBase({ config, layers }: ImageToPull, { layers: store, distribution, emit, ctx }: LayerPullDeps): Promise<number> {
  let present = 0;
  for (const [i, layer] of layers.entries()) {
    const diffId = await distribution.diffIdOf(layer.digest);
    if (diffId !== config.diffIds[i] || (await store.get(config.chainIds[i]!, ctx)) === undefined) break;
    emit({ id: truncateId(layer.digest), status: "Already exists" });
    present++;
  }
  return present;
}

function startDownloads(repository: Repository, image: ImageToPull, present: number, deps: LayerPullDeps, signal: AbortSignal): MissingLayer[] {
  const firstOf = new Map<string, number>();
  return image.layers.slice(present).map((layer, offset): MissingLayer => {
    const index = present + offset;
    const repeatOf = firstOf.get(layer.digest);
    if (repeatOf !== undefined) return { index, repeatOf };
    firstOf.set(layer.digest, index);
    deps.emit({ id: truncateId(layer.digest), status: "Pulling fs layer" });
    const downloaded = download(repository, layer, deps, signal);
    downloaded.catch(() => undefined); // awaited in layer order
    return { index, downloaded };
  });
}

/**
 * One blob into a staged registration opened once a download slot is free: "Downloading" as it arrives,
 * then verified and complete. A failed download discards its registration.
 */
async function download(repository: Repository, layer: Descriptor, deps: LayerPullDeps, signal: AbortSignal): Promise<StagedLayer> {
  const id = truncateId(layer.digest);
  const { emit } = deps;
  const release = await deps.downloads.acquire(signal, () => emit({ id, status: "Waiting" }));
  const staged = deps.layers.stage(deps.ctx);
  try {
    const onRetry = (seconds: number) => emit({ id, status: `Retrying in ${seconds} second${seconds === 1 ? "" : "s"}`, retryInSeconds: seconds });
    const blob = repository.blobs.download(layer, { onRetry, signal });
    const report = (current: number) => emit({ id, status: "Downloading", current, total: layer.size });
    for await (const chunk of withProgress(blob, { size: layer.size, report })) await staged.write(chunk);
  } catch (err) {
    await staged.discard();
    throw err;
  } finally {
    release();
  }
  emit({ id, status: "Verifying Checksum" });
  emit({ id, status: "Download complete" });
  staged.end();
  return staged;
}

/**
 * Registers one missing layer on the chain below it once its download is done ("Extracting", "Pull complete"),
 * under the diffID its content has: as dockerd does, the diffIDs are compared with the config's only once
 * every layer is registered.
 */
async function place(layer: MissingLayer, image: ImageToPull, chainAt: (index: number) => string, deps: LayerPullDeps): Promise<LayerInfo> {
  const parent = chainAt(layer.index - 1);
  if (!("downloaded" in layer)) {
    const tar = deps.layers.export(chainAt(layer.repeatOf), deps.ctx);
    return deps.layers.register(parent, "", image.holder, tar, deps.ctx).catch(registerFailure);
  }
  const staged = await layer.downloaded;
  const { digest, size } = image.layers[layer.index]!;
  deps.emit({ id: truncateId(digest), status: "Extracting", current: size, total: size });
  const info = await staged.place(parent, "", image.holder).catch(registerFailure);
  deps.emit({ id: truncateId(digest), status: "Pull complete" });
  return info;
}

/**
 * With every layer already here, the image still needs a hold of its own on its top layer (the layers
 * below are held through it): the top's tar registered again for the holder, which layer-store answers
 * with the existing layer.
 */
async function holdTop(image: ImageToPull, deps: LayerPullDeps): Promise<string> {
  const { chainIds, diffIds } = image.config;
  const top = chainIds.length - 1;
  const tar = deps.layers.export(chainIds[top]!, deps.ctx);
  return (await deps.layers.register(chainIds[top - 1] ?? "", diffIds[top]!, image.holder, tar, deps.ctx)).chainId;
}

/** dockerd's "failed to register layer: …", keeping layer-store's error kind. */
function registerFailure(err: unknown): never {
  if (err instanceof SlipwayError) throw CONSTRUCTOR_OF_KIND[err.kind](`failed to register layer: ${err.message}`, err);
  throw err;
}
