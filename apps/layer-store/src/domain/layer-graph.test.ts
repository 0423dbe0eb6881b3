import { describe, expect, it } from "vitest";
import type { Holders } from "../storage/layerdb.js";
import { LayerGraph, referenceCount } from "./layer-graph.js";

const chain = (c: string) => `sha256:${c.repeat(64)}`;
const record = (c: string, parent = "") => ({
  chainId: chain(c),
  diffId: chain(c),
  parentChainId: parent === "" ? "" : chain(parent),
  cacheId: c.repeat(64),
  size: 0,
});
const links = { link: "L", lower: "" };

/** A graph with base layer a (held by image:x) and its child b. */
function graph(): LayerGraph {
  const layers = new LayerGraph();
  layers.add(record("a"), links, new Map([["image:x", 1]]));
  layers.add(record("b", "a"), links, new Map());
  return layers;
}

describe("LayerGraph", () => {
  it("counts a child on its parent and sets the depth", () => {
    const layers = graph();
    expect(layers.get(chain("a"))).toMatchObject({ depth: 1, children: 1 });
    expect(layers.get(chain("b"))).toMatchObject({ depth: 2, children: 0 });
    expect(referenceCount(layers.get(chain("a"))!)).toBe(2);
    expect(layers.size).toBe(2);
  });

  it("counts a named holder once and anonymous references each time, after they are persisted", async () => {
    const layers = graph();
    const persisted: Holders[] = [];
    const persist = async (holders: Holders) => void persisted.push(holders);
    await layers.hold(chain("a"), "image:x", persist);
    await layers.hold(chain("a"), "", persist);
    await layers.hold(chain("a"), "", persist);
    expect([...layers.get(chain("a"))!.holders]).toEqual([
      ["image:x", 1],
      ["", 2],
    ]);
    expect(persisted.map((holders) => [...holders])).toEqual([
      [
        ["image:x", 1],
        ["", 1],
      ],
      [
        ["image:x", 1],
        ["", 2],
      ],
    ]);
    expect(await layers.unhold(chain("a"), "", persist)).toBe(true);
    expect(await layers.unhold(chain("a"), "image:y", persist)).toBe(false);
    expect(referenceCount(layers.get(chain("a"))!)).toBe(3);
  });

  it("leaves the holders as they were when persisting fails", async () => {
    const layers = graph();
    const failing = () => Promise.reject(new Error("disk full"));
    await expect(layers.hold(chain("a"), "image:y", failing)).rejects.toThrow("disk full");
    await expect(layers.unhold(chain("a"), "image:x", failing)).rejects.toThrow("disk full");
    expect([...layers.get(chain("a"))!.holders]).toEqual([["image:x", 1]]);
  });

  it("names the containers whose RW layers hold a layer", () => {
    const layers = graph();
    layers.retainRw(chain("b"), "c1");
    layers.retainRw(chain("b"), "c2");
    layers.releaseRw(chain("b"), "c1");
    expect([...layers.get(chain("b"))!.rwLayers]).toEqual(["c2"]);
    expect(referenceCount(layers.get(chain("b"))!)).toBe(1);
  });

  it("removes a layer only when nothing references or pins it", async () => {
    const layers = graph();
    const b = layers.get(chain("b"))!;
    layers.pin(b);
    expect(layers.removeIfUnused(b)).toBe(false);
    expect(layers.unpin(b)).toBe(true);
    expect(layers.removeIfUnused(b)).toBe(true);
    expect(layers.get(chain("b"))).toBeUndefined();
    const a = layers.releaseChild(chain("a"))!;
    expect(layers.removeIfUnused(a)).toBe(false);
    await layers.unhold(chain("a"), "image:x", async () => undefined);
    expect(layers.removeIfUnused(a)).toBe(true);
    expect(layers.releaseChild(chain("a"))).toBeUndefined();
  });
});
