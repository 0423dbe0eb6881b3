import type { CallContext } from "@slipway/grpc-kit";
import type { EntryConsumer } from "../archive/spool.js";
import type { LayerInfo, LayerStore, StagedLayer } from "./ports.js";

/** docker save's layer files ("<id>/layer.tar"); everything else waits for the manifest in the spool. */
const LAYER_TAR = /(^|\/)layer\.tar$/;

/**
 * Layer tars sent to layer-store as they stream in, before the manifest (last in docker-save archives)
 * says which image and parent each belongs to: layer-store extracts them meanwhile, so the load does
 * not wait for the whole archive before the first extraction. A staged layer no image places is discarded.
 */
export class StagedLayers {
  private readonly staged = new Map<string, StagedLayer>();

  constructor(
    private readonly layers: LayerStore,
    private readonly ctx?: CallContext,
  ) {}

  claim = async (path: string): Promise<EntryConsumer | undefined> => {
    if (!LAYER_TAR.test(path) || this.staged.has(path)) return undefined;
    const layer = this.layers.stage(this.ctx);
    this.staged.set(path, layer);
    return async (content) => {
      try {
        for await (const chunk of content) await layer.write(chunk);
      } finally {
        layer.end(); // a broken-off entry too: layer-store then fails the extraction, and the load fails
      }
    };
  };

  /** Places the layer staged from `path` (once), or answers undefined when none was. */
  place(path: string, parentChainId: string, diffId: string, holder: string): Promise<LayerInfo> | undefined {
    const layer = this.staged.get(path);
    if (!layer) return undefined;
    this.staged.delete(path);
    return layer.place(parentChainId, diffId, holder);
  }

  /** Resolves once layer-store has removed every staged layer nothing placed. */
  async discardRest(): Promise<void> {
    const rest = [...this.staged.values()];
    this.staged.clear();
    await Promise.all(rest.map((layer) => layer.discard()));
  }
}
