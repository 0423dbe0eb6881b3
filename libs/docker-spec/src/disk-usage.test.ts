import { describe, expect, it } from "vitest";
import { containerCounts, layerUsage } from "./disk-usage.js";

const SIZES = new Map([
  ["base", 1000],
  ["base+app", 200],
  ["base+app+config", 30],
  ["base+tools", 4],
  ["other", 50_000],
]);

describe("layerUsage", () => {
  it("counts as shared the layers another image has too, as dockerd's SharedSize does", () => {
    const { sharedSizes } = layerUsage(
      [
        { id: "app", chainIds: ["base", "base+app"] },
        { id: "app-configured", chainIds: ["base", "base+app", "base+app+config"] },
        { id: "tools", chainIds: ["base", "base+tools"] },
        { id: "alone", chainIds: ["other"] },
        { id: "scratch", chainIds: [] },
      ],
      SIZES,
    );
    expect(Object.fromEntries(sharedSizes)).toEqual({ app: 1200, "app-configured": 1200, tools: 1000, alone: 0, scratch: 0 });
  });

  it("sums each layer some image has once (LayersSize), not the layers no image has", () => {
    const images = [
      { id: "app", chainIds: ["base", "base+app"] },
      { id: "tools", chainIds: ["base", "base+tools"] },
    ];
    expect(layerUsage(images, SIZES).layersSize).toBe(1204);
    expect(layerUsage([], SIZES).layersSize).toBe(0);
  });

  it("leaves out an image whose layers went while it was weighed: it shares with no one, its other layers still count", () => {
    const { sharedSizes, layersSize } = layerUsage(
      [
        { id: "app", chainIds: ["base", "base+app"] },
        { id: "removed", chainIds: ["base", "gone"] },
      ],
      SIZES,
    );
    expect(Object.fromEntries(sharedSizes)).toEqual({ app: 0 });
    expect(layersSize).toBe(1200);
  });
});

describe("containerCounts", () => {
  it("counts the containers of each image and the containers mounting each volume, a container once per volume", () => {
    const { perImage, perVolume } = containerCounts([
      { imageId: "sha256:a", volumeNames: ["shared", "mine", "mine"] },
      { imageId: "sha256:a", volumeNames: ["shared"] },
      { imageId: "sha256:b", volumeNames: [] },
    ]);
    expect(Object.fromEntries(perImage)).toEqual({ "sha256:a": 2, "sha256:b": 1 });
    expect(Object.fromEntries(perVolume)).toEqual({ shared: 2, mine: 1 });
  });
});
