import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { makeLayerTar, registerBytes, registerRequests, requestsPlacedLater, startStore, treeListing, type StoreUnderTest } from "./helpers.js";

/** A placement the test sends when it chooses, after the whole tar has gone out. */
function later<T>(): { promise: Promise<T>; resolve: (value: T) => void } {
  let resolve!: (value: T) => void;
  return { promise: new Promise<T>((r) => (resolve = r)), resolve };
}

describe("RegisterLayer with the placement after the tar", () => {
  let store: StoreUnderTest;
  let base: string;
  let before: string[];
  const tar = makeLayerTar([
    { path: "app", type: "dir" },
    { path: "app/run.sh", type: "file", content: "echo hi\n", mode: 0o755 },
  ]);
  beforeAll(async () => {
    store = await startStore();
    base = (await registerBytes(store.client, makeLayerTar([{ path: "etc", type: "dir" }]), { holder: "image:base" })).layer!.chainId;
    // A base that has had a child keeps overlay2's `committed` marker: add it before the baseline.
    const child = (await registerBytes(store.client, tar, { parentChainId: base, holder: "image:child" })).layer!.chainId;
    await store.client.releaseLayer({ chainId: child, holder: "image:child" });
    before = treeListing(store.dataRoot, { dirSizes: true });
  });
  afterAll(() => store.stop());

  it("extracts before the parent is known and publishes the layer a direct registration gives", async () => {
    const placement = later<{ parentChainId: string; holder: string }>();
    const registering = store.client.registerLayer(requestsPlacedLater([tar], placement.promise));
    // The tar is extracted while the call waits: a new, unnamed overlay2 directory appears first.
    await vi.waitFor(() => expect(treeListing(store.dataRoot, { dirSizes: true })).not.toEqual(before), { timeout: 10_000, interval: 50 });
    placement.resolve({ parentChainId: base, holder: "image:staged" });
    const placed = (await registering).layer!;
    const direct = (await registerBytes(store.client, tar, { parentChainId: base, holder: "image:direct" })).layer!;
    expect(placed).toMatchObject({ chainId: direct.chainId, diffId: direct.diffId, parentChainId: base, size: direct.size, depth: 2 });
    expect(direct.referenceCount).toBe(2);
    for (const holder of ["image:staged", "image:direct"]) await store.client.releaseLayer({ chainId: placed.chainId, holder });
    expect(treeListing(store.dataRoot, { dirSizes: true })).toEqual(before);
  });

  it("refuses a wrong diffID, a missing placement and an unannounced one, leaving nothing", async () => {
    const wrong = requestsPlacedLater([tar], Promise.resolve({ expectedDiffId: `sha256:${"0".repeat(64)}` }));
    await expect(store.client.registerLayer(wrong)).rejects.toMatchObject({
      kind: "invalid_argument",
      message: expect.stringMatching(/^layer tar has diffID/),
    });
    await expect(store.client.registerLayer(registerRequests({ placementFollows: true }, [tar]))).rejects.toMatchObject({
      kind: "invalid_argument",
      message: "RegisterLayer: the stream ended without the placement its header announced",
    });
    async function* unannounced() {
      yield* registerRequests({}, [tar]);
      yield { placement: { parentChainId: "", expectedDiffId: "", holder: "", placementFollows: false } };
    }
    await expect(store.client.registerLayer(unannounced())).rejects.toMatchObject({
      kind: "invalid_argument",
      message: expect.stringContaining("did not announce"),
    });
    expect(treeListing(store.dataRoot, { dirSizes: true })).toEqual(before);
  });

  it("leaves nothing when the client gives up while the extracted layer waits for its placement", async () => {
    const giveUp = later<void>();
    // As image-store does with a layer no manifest names: the request stream fails, and the client cancels the call.
    const placement = giveUp.promise.then(() => Promise.reject(new Error("no manifest names this layer")));
    placement.catch(() => undefined);
    const registering = store.client.registerLayer(requestsPlacedLater([tar], placement));
    await vi.waitFor(() => expect(treeListing(store.dataRoot, { dirSizes: true })).not.toEqual(before), { timeout: 10_000, interval: 50 });
    giveUp.resolve();
    await expect(registering).rejects.toThrow("no manifest names this layer");
    await vi.waitFor(() => expect(treeListing(store.dataRoot, { dirSizes: true })).toEqual(before), { timeout: 10_000, interval: 100 });
  });
});
