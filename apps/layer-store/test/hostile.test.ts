import { existsSync, lstatSync } from "node:fs";
import { hostileCorpus } from "@slipway/layer-tar/testing";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { collect, makeLayerTar, registerBytes, registerRequests, startStore, treeListing, type StoreUnderTest } from "./helpers.js";

const CORPUS = hostileCorpus();
const PASSWD_LINKS = lstatSync("/etc/passwd").nlink;
/**
 * Known gap of @slipway/layer-tar (reported to its owner): when the whole gzip arrives in one 64 KiB
 * chunk, a bad gzip checksum is detected before the entry it covers is named.
 */
const ENTRY_NOT_NAMED_IN_ONE_CHUNK = new Set(["corrupt-gzip-checksum"]);

describe("hostile layer tars over gRPC", () => {
  let store: StoreUnderTest;
  let parent: string;
  let before: string[];
  beforeAll(async () => {
    store = await startStore();
    parent = (await registerBytes(store.client, makeLayerTar([{ path: "etc", type: "dir" }]), { holder: "image:base" })).layer!.chainId;
    before = treeListing(store.dataRoot, { dirSizes: true });
  });
  afterAll(() => store.stop());

  it("has a corpus of at least 15 tars", () => {
    expect(CORPUS.length).toBeGreaterThanOrEqual(15);
  });

  for (const hostile of CORPUS) {
    it(`${hostile.name}: INVALID_ARGUMENT naming the entry, data root unchanged`, async () => {
      for (const parentChainId of ["", parent]) {
        const attempt = registerBytes(store.client, hostile.bytes, { parentChainId, holder: "image:hostile" });
        await expect(attempt).rejects.toMatchObject({ kind: "invalid_argument" });
        if (hostile.expectedEntry !== undefined && !ENTRY_NOT_NAMED_IN_ONE_CHUNK.has(hostile.name)) {
          await expect(attempt).rejects.toMatchObject({ message: expect.stringContaining(hostile.expectedEntry) });
        }
        expect(treeListing(store.dataRoot, { dirSizes: true })).toEqual(before);
        for (const outside of hostile.outsidePaths) {
          if (outside === "/etc/passwd") expect(lstatSync(outside).nlink).toBe(PASSWD_LINKS);
          else expect(existsSync(outside), outside).toBe(false);
        }
      }
    });
  }

  it("refuses a diffID other than the expected one, a bad parent, and a missing header, leaving nothing", async () => {
    const tar = makeLayerTar([{ path: "ok", type: "file" }]);
    await expect(registerBytes(store.client, tar, { expectedDiffId: `sha256:${"0".repeat(64)}` })).rejects.toMatchObject({
      kind: "invalid_argument",
      message: expect.stringMatching(/^layer tar has diffID sha256:[a-f0-9]{64}, expected sha256:0{64}$/),
    });
    await expect(registerBytes(store.client, tar, { parentChainId: `sha256:${"1".repeat(64)}` })).rejects.toMatchObject({
      kind: "not_found",
      message: `layer sha256:${"1".repeat(64)} does not exist`,
    });
    await expect(registerBytes(store.client, tar, { parentChainId: "latest" })).rejects.toMatchObject({ kind: "invalid_argument" });
    await expect(store.client.registerLayer([{ chunk: tar }])).rejects.toMatchObject({
      kind: "invalid_argument",
      message: expect.stringContaining("first message must carry the header"),
    });
    await expect(collect(store.client.exportLayer({ chainId: `sha256:${"2".repeat(64)}` }))).rejects.toMatchObject({ kind: "not_found" });
    expect(treeListing(store.dataRoot, { dirSizes: true })).toEqual(before);
  });

  it("a stream the client cuts in the middle leaves nothing behind", async () => {
    const files = Array.from({ length: 8 }, (_, i) => ({ path: `data/file-${i}`, type: "file" as const, content: "x".repeat(64 * 1024) }));
    const bytes = makeLayerTar([{ path: "data", type: "dir" }, ...files]);
    async function* halfThenFail(): AsyncIterable<Uint8Array> {
      yield bytes.subarray(0, bytes.length >> 1);
      throw new Error("client gave up");
    }
    await expect(store.client.registerLayer(registerRequests({ holder: "image:cut" }, halfThenFail()))).rejects.toBeDefined();
    await vi.waitFor(() => expect(treeListing(store.dataRoot, { dirSizes: true })).toEqual(before), { timeout: 20_000, interval: 100 });
    expect((await store.client.listLayers({})).layers).toHaveLength(1);
  });
});
