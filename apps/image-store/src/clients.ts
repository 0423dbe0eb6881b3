import { internal, isNotFound } from "@slipway/errors";
import { containerConfigDefinition, createClient, layerStoreDefinition, type CallContext, type ServiceConfig } from "@slipway/grpc-kit";
import type { layerstore } from "@slipway/proto";
import { OneChunkChannel } from "./one-chunk-channel.js";
import type { ContainerUsage, LayerInfo, LayerStore, StagedLayer } from "./domain/ports.js";

type Placement = Omit<layerstore.RegisterLayerHeader, "placementFollows">;

/** How image-store reaches its peers: over TCP with its own certificates; in-process when this process hosts them. */
type Transport = Pick<ServiceConfig, "certificates" | "inProcess" | "observeClientCalls">;

/** LayerStore over gRPC (layer-store's LayerStoreService). */
export function layerStoreClient(address: string, { certificates, inProcess, observeClientCalls }: Transport): LayerStore & { close(): void } {
  const client = createClient(layerStoreDefinition, address, { name: "layer-store", certificates, inProcess, observe: observeClientCalls });
  return {
    async register(parentChainId, expectedDiffId, holder, content, parent) {
      async function* requests(): AsyncIterable<layerstore.RegisterLayerRequest> {
        yield { header: { parentChainId, expectedDiffId, holder, placementFollows: false } };
        for await (const chunk of content) yield { chunk };
      }
      const { layer } = await client.registerLayer(requests(), { parent });
      return toInfo(layer);
    },
    stage(parent): StagedLayer {
      const chunks = new OneChunkChannel();
      let placeOrDiscard!: (placement: Placement | undefined) => void;
      const placement = new Promise<Placement | undefined>((resolve) => (placeOrDiscard = resolve));
      async function* requests(): AsyncIterable<layerstore.RegisterLayerRequest> {
        yield { header: { parentChainId: "", expectedDiffId: "", holder: "", placementFollows: true } };
        for await (const chunk of chunks.chunks()) yield { chunk };
        const placed = await placement;
        // Ending without the placement: layer-store removes what it extracted, then answers INVALID_ARGUMENT.
        if (placed) yield { placement: { ...placed, placementFollows: false } };
      }
      const registered = client.registerLayer(requests(), { parent }).then(({ layer }) => toInfo(layer));
      registered.catch((err: unknown) => chunks.fail(err));
      return {
        write: (chunk) => chunks.put(chunk).catch(() => undefined),
        end: () => chunks.close(),
        place: (parentChainId, expectedDiffId, holder) => (placeOrDiscard({ parentChainId, expectedDiffId, holder }), registered),
        discard: () => (
          chunks.close(),
          placeOrDiscard(undefined),
          registered.then(
            () => undefined,
            () => undefined,
          )
        ),
      };
    },
    async release(chainId, holder, parent) {
      return (await client.releaseLayer({ chainId, holder }, { parent })).deletedChainIds;
    },
    async get(chainId, parent) {
      try {
        return toInfo((await client.getLayer({ chainId }, { parent })).layer);
      } catch (err) {
        if (isNotFound(err)) return undefined;
        throw err;
      }
    },
    async *export(chainId, parent) {
      for await (const { chunk } of client.exportLayer({ chainId }, { parent })) yield chunk;
    },
    close: () => client.close(),
  };
}

function toInfo(layer: layerstore.Layer | undefined): LayerInfo {
  if (!layer) throw internal("layer-store answered without a layer");
  return { chainId: layer.chainId, diffId: layer.diffId, size: Number(layer.size), cacheId: layer.cacheId };
}

/**
 * ContainerUsage over gRPC: container-config's ListContainers of the containers created from one image ID.
 * The dependency is one-way: container-config never calls image-store.
 */
export function containerUsageClient(
  address: string,
  { certificates, inProcess, observeClientCalls }: Transport,
): ContainerUsage & { close(): void } {
  const client = createClient(containerConfigDefinition, address, { name: "container-config", certificates, inProcess, observe: observeClientCalls });
  return {
    async containersUsing(imageId: string, parent?: CallContext) {
      const resolvedImages = { staleReferences: [], ancestorImageIds: { values: [imageId] } };
      const { containers } = await client.listContainers({ filters: {}, all: true, limit: 0, resolvedImages }, { parent });
      return containers.map((c) => c.id);
    },
    close: () => client.close(),
  };
}
