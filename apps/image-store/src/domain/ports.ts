import type { CallContext } from "@slipway/grpc-kit";

/** A read-only layer as layer-store reports it. */
export interface LayerInfo {
  readonly chainId: string;
  readonly diffId: string;
  /** Bytes of the layer's diff directory. */
  readonly size: number;
  /** The layer's overlay2/ directory name. */
  readonly cacheId: string;
}

/** What image-store needs from layer-store (reached over gRPC; see clients.ts). */
export interface LayerStore {
  /**
   * Registers a layer from its tar (plain or gzip) on a parent chain; the named holder takes (at most)
   * one reference on it, so a repeated registration for the same holder adds nothing.
   */
  register(parentChainId: string, expectedDiffId: string, holder: string, content: AsyncIterable<Buffer>, parent?: CallContext): Promise<LayerInfo>;
  /**
   * Starts registering a layer whose place is not known yet: its tar is written as it arrives and
   * extracted by layer-store meanwhile; `place` later names its parent and holder (see StagedLayer).
   */
  stage(parent?: CallContext): StagedLayer;
  /** Drops the holder's reference (a no-op when it holds none); returns the chainIDs deleted, top first. */
  release(chainId: string, holder: string, parent?: CallContext): Promise<string[]>;
  /** The layer, or undefined when layer-store does not have it. */
  get(chainId: string, parent?: CallContext): Promise<LayerInfo | undefined>;
  /** The layer's original tar, byte for byte. */
  export(chainId: string, parent?: CallContext): AsyncIterable<Buffer>;
}

/** A layer tar on its way to layer-store before the archive's manifest says where it goes. */
export interface StagedLayer {
  /** Hands over the next chunk; resolves once taken, or at once (dropping it) when the registration has failed. */
  write(chunk: Buffer): Promise<void>;
  /** After the last chunk. */
  end(): void;
  /** Publishes the layer on `parentChainId` for `holder`; fails as register() would (a failed extraction included). */
  place(parentChainId: string, expectedDiffId: string, holder: string): Promise<LayerInfo>;
  /** Gives up a layer no image uses; resolves once layer-store has removed what it extracted. */
  discard(): Promise<void>;
}

/** Which containers use an image (container-config, reached over gRPC; never the other way round). */
export interface ContainerUsage {
  /** Full IDs of the containers whose image is this image ID. */
  containersUsing(imageId: string, parent?: CallContext): Promise<string[]>;
}
