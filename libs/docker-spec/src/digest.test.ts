import { describe, expect, it } from "vitest";
import { chainId, chainIds, digestHex, isDigest, sha256Digest } from "./digest.js";
import { generateRandomId, isFullId, truncateId } from "./ids.js";

// The golden image's diffIDs and chainIDs, as a real dockerd recorded them (dockerd 20.10, for golden:1).
const GOLDEN_DIFF_IDS = [
  "sha256:f6c3edee5c1aef56a27f04c4dd444615fafaaf7ae80a95d432da11049745710f",
  "sha256:a01a029b95f722c6997222671ecd3539acf236d6c4d03f0a55e3626d77187d63",
];

describe("chainID", () => {
  it("is the diffID for a base layer", () => {
    expect(chainId("", GOLDEN_DIFF_IDS[0]!)).toBe(GOLDEN_DIFF_IDS[0]);
  });
  it("matches dockerd's layerdb for the golden image's second layer", () => {
    expect(chainIds(GOLDEN_DIFF_IDS)[1]).toBe("sha256:40fb134d2c0b69ef50609191835afebf09fb56d883c668975ecf164990605c15");
  });
  it("is empty for no layers", () => {
    expect(chainIds([])).toEqual([]);
  });
});

describe("digests", () => {
  it("hashes and validates", () => {
    const d = sha256Digest("");
    expect(d).toBe("sha256:e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855");
    expect(isDigest(d)).toBe(true);
    expect(isDigest("sha256:ABC")).toBe(false);
    expect(digestHex(d)).toHaveLength(64);
    expect(() => digestHex("md5:00")).toThrow(/invalid digest/);
  });
});

describe("ids", () => {
  it("generates 64 hex whose short form is never all digits", () => {
    for (let i = 0; i < 2000; i++) {
      const id = generateRandomId();
      expect(isFullId(id)).toBe(true);
      expect(id.slice(0, 12)).not.toMatch(/^\d{12}$/);
    }
  });
  it("truncates like stringid.TruncateID", () => {
    expect(truncateId("sha256:69820369cc29aaaaaaaaaaaa")).toBe("69820369cc29");
    expect(truncateId("ce4ade48deaf554bbb508d4b")).toBe("ce4ade48deaf");
  });
});
