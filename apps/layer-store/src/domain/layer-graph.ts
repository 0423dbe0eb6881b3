import type { Holders, LayerRecord } from "../storage/layerdb.js";

/** A loaded read-only layer and who holds it. Only LayerGraph changes its references. */
export interface LayerState extends LayerRecord {
  readonly depth: number;
  readonly link: string;
  readonly lower: string;
  /** Image (and anonymous) references, persisted in layerdb/holders/. */
  readonly holders: ReadonlyMap<string, number>;
  /** Child layers registered on top of this one. */
  readonly children: number;
  /** The containers whose RW layer is on top of this one. */
  readonly rwLayers: ReadonlySet<string>;
  /** Calls in flight that build on this layer; it cannot be deleted meanwhile. */
  readonly pending: number;
}

export function referenceCount(layer: LayerState): number {
  let count = layer.children + layer.rwLayers.size;
  for (const n of layer.holders.values()) count += n;
  return count;
}

/** What LayerGraph keeps of a layer: a LayerState it may change. */
interface LayerNode extends LayerState {
  readonly holders: Holders;
  children: number;
  readonly rwLayers: Set<string>;
  pending: number;
}

/**
 * The read-only layers by chainID and every reference to them: holders, child layers, containers'
 * RW layers, calls in flight. The one place a reference is counted; callers hold the chainID's lock
 * (LayerStore) and persist holders before they count here.
 */
export class LayerGraph {
  private readonly layers = new Map<string, LayerNode>();

  get(chainId: string): LayerState | undefined {
    return this.layers.get(chainId);
  }

  get size(): number {
    return this.layers.size;
  }

  list(): LayerState[] {
    return [...this.layers.values()];
  }

  /** Adds a layer on its parent (already in the graph), which counts it as a child. */
  add(record: LayerRecord, links: { readonly link: string; readonly lower: string }, holders: Holders): LayerState {
    const parent = record.parentChainId === "" ? undefined : this.node(record.parentChainId);
    const depth = (parent?.depth ?? 0) + 1;
    const layer: LayerNode = { ...record, depth, link: links.link, lower: links.lower, holders, children: 0, rwLayers: new Set(), pending: 0 };
    this.layers.set(record.chainId, layer);
    if (parent) parent.children++;
    return layer;
  }

  /** The holders read back from layerdb/holders/ at start. */
  restoreHolders(chainId: string, holders: Holders): void {
    for (const [holder, count] of holders) this.node(chainId).holders.set(holder, count);
  }

  /** One more reference by `holder` (a named holder holds at most once), counted once `persist` has stored the holders it makes. */
  async hold(chainId: string, holder: string, persist: (holders: Holders) => Promise<void>): Promise<void> {
    const { holders } = this.node(chainId);
    const held = holders.get(holder) ?? 0;
    if (held > 0 && holder !== "") return;
    await persist(new Map(holders).set(holder, held + 1));
    holders.set(holder, held + 1);
  }

  /** One reference fewer by `holder`, once `persist` has stored the holders left; false when it holds none. */
  async unhold(chainId: string, holder: string, persist: (holders: Holders) => Promise<void>): Promise<boolean> {
    const { holders } = this.node(chainId);
    const held = holders.get(holder);
    if (held === undefined) return false;
    const next = new Map(holders);
    if (held > 1) next.set(holder, held - 1);
    else next.delete(holder);
    await persist(next);
    if (held > 1) holders.set(holder, held - 1);
    else holders.delete(holder);
    return true;
  }

  /** A child layer of this one was deleted; the layer, or undefined when it is gone already. */
  releaseChild(chainId: string): LayerState | undefined {
    const layer = this.layers.get(chainId);
    if (layer) layer.children--;
    return layer;
  }

  retainRw(chainId: string, containerId: string): void {
    this.node(chainId).rwLayers.add(containerId);
  }

  /** The container's RW layer on this layer was deleted; the layer, or undefined when it is gone already. */
  releaseRw(chainId: string, containerId: string): LayerState | undefined {
    const layer = this.layers.get(chainId);
    layer?.rwLayers.delete(containerId);
    return layer;
  }

  /** Pins a layer for a call that builds on it: it cannot be removed until unpinned. */
  pin(layer: LayerState): void {
    this.node(layer.chainId).pending++;
  }

  /** Unpins; true when the layer is left with no reference and no pin (the caller may remove it). */
  unpin(layer: LayerState): boolean {
    const node = this.node(layer.chainId);
    node.pending--;
    return node.pending === 0 && referenceCount(node) === 0;
  }

  /** Takes the layer out when nothing references or pins it and it is still the one registered; whether it did. */
  removeIfUnused(layer: LayerState): boolean {
    if (referenceCount(layer) > 0 || layer.pending > 0 || this.layers.get(layer.chainId) !== layer) return false;
    this.layers.delete(layer.chainId);
    return true;
  }

  private node(chainId: string): LayerNode {
    const layer = this.layers.get(chainId);
    if (!layer) throw new Error(`layer ${chainId} is not in the layer graph`);
    return layer;
  }
}
