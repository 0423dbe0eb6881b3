import { describe, expect, it } from "vitest";
import { imageHistory } from "./history.js";
import { parseImageConfig } from "./image-config.js";
import type { ResolvedImage } from "./image-service.js";

const ID = `sha256:${"a".repeat(64)}`;
const diffId = (c: string) => `sha256:${c.repeat(64)}`;

function image(history: unknown[], layerSizes: number[], repoTags: string[] = []): ResolvedImage {
  const doc = { os: "linux", architecture: "amd64", rootfs: { type: "layers", diff_ids: layerSizes.map((_, i) => diffId(String(i))) }, history };
  const config = parseImageConfig(Buffer.from(JSON.stringify(doc)));
  const layers = layerSizes.map((size, i) => ({ chainId: config.chainIds[i]!, diffId: config.diffIds[i]!, size, cacheId: `c${i}` }));
  return { id: ID, configBytes: Buffer.alloc(0), config, layers, size: 0, repoTags, repoDigests: [], lastUpdated: undefined };
}

describe("imageHistory", () => {
  it("lists the config's history newest first, sizes from the layers of non-empty entries, the ID and tags on top", () => {
    const history = [
      { created: "2026-12-07T00:10:56.123456789Z", created_by: "ADD rootfs", comment: "Imported from -" },
      { created: "2026-12-07T00:10:57Z", created_by: "ENV A=1", empty_layer: true },
      { created: "2026-12-07T00:10:58Z", created_by: "RUN x" },
    ];
    expect(imageHistory(image(history, [100, 6], ["golden:1"]))).toEqual([
      { id: ID, created: 1796602258, createdBy: "RUN x", tags: ["golden:1"], size: 6, comment: "" },
      { id: "<missing>", created: 1796602257, createdBy: "ENV A=1", tags: [], size: 0, comment: "" },
      { id: "<missing>", created: 1796602256, createdBy: "ADD rootfs", tags: [], size: 100, comment: "Imported from -" },
    ]);
  });

  it("gives an entry without a creation time Go's zero time, and an image without history no entries", () => {
    expect(imageHistory(image([{ created_by: "x", empty_layer: true }], [])).map((e) => e.created)).toEqual([-62135596800]);
    expect(imageHistory(image([], [5]))).toEqual([]);
  });
});
