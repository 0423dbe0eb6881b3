// A hostile registry behind image-store's PullImage: images a real registry serves as pushed, built to hurt
// the puller. Each is refused with a clear error, leaves the data root as it was, and keeps memory bounded.
import { existsSync } from "node:fs";
import { readFile } from "node:fs/promises";
import { join } from "node:path";
import { gzipSync } from "node:zlib";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { sha256Digest } from "@slipway/docker-spec";
import { hostileCorpus, TarWriter } from "@slipway/layer-tar/testing";
import { startRegistry, type TestRegistry } from "@slipway/registry-client/testing";
import { startStack, treeOf, type Stack } from "./harness.js";
import { pullFailure, pushBlobs } from "./pull-helpers.js";

const MAX_RSS_GROWTH = 100 * 1024 * 1024;
let registry: TestRegistry;
let stack: Stack;
/** The data root once a good image is in: every refused pull must leave exactly this. */
let before: { tree: string[]; repositories: string };

beforeAll(async () => {
  registry = await startRegistry();
  stack = await startStack();
  const layer = new TarWriter().file("good", "good").end();
  await pushImage("good:1", configOf([sha256Digest(layer)]), [gzipSync(layer)]);
  const statuses: string[] = [];
  for await (const { progress } of stack.client.pullImage({ reference: `${registry.host}/good:1`, tag: "", platform: "" }))
    statuses.push(progress!.status);
  expect(statuses.at(-1)).toBe(`Status: Downloaded newer image for ${registry.host}/good:1`);
  before = { tree: await treeOf(stack.dataRoot), repositories: await repositoriesJson() };
}, 60_000);

afterAll(async () => {
  await stack?.stop();
  await registry?.stop();
});

const repositoriesJson = () => readFile(join(stack.dataRoot, "image", "overlay2", "repositories.json"), "utf8");

/** An image config naming these diffIDs. */
function configOf(diffIds: readonly string[]): Buffer {
  return Buffer.from(JSON.stringify({ architecture: "amd64", os: "linux", rootfs: { type: "layers", diff_ids: diffIds } }));
}

const pushImage = (nameAndTag: string, config: Buffer, layers: readonly Buffer[]) => pushBlobs(`${registry.host}/${nameAndTag}`, config, layers);

/** Pulls the hostile image; expects the data root as it was before, and returns how the pull failed. */
async function refusedPull(nameAndTag: string) {
  const failure = await pullFailure(stack.client, { reference: `${registry.host}/${nameAndTag}` });
  expect(await treeOf(stack.dataRoot)).toEqual(before.tree);
  expect(await repositoriesJson()).toBe(before.repositories);
  return failure;
}

describe("a hostile registry", () => {
  it("serves a manifest of 10,000 layers: refused from the config's layer count, before any download", async () => {
    const layer = new TarWriter().file("x", "x").end();
    await pushImage("deep:1", configOf(Array(10_000).fill(sha256Digest(layer))), Array(10_000).fill(gzipSync(layer)));
    const { statuses, error } = await refusedPull("deep:1");
    expect(error).toMatchObject({ kind: "internal", message: "the image has 10000 layers; the maximum depth is 125" });
    expect(statuses).toEqual(["Pulling from deep"]);
  });

  it("serves a gzip bomb: 8 MB that expand to 8 GiB of zeros are refused after 64 MiB, memory bounded", async () => {
    const member = gzipSync(Buffer.alloc(256 << 20), { level: 9 }); // a gzip stream may be many members
    const bomb = Buffer.concat(Array<Buffer>(32).fill(member));
    await pushImage("bomb:1", configOf([sha256Digest("not the bomb")]), [bomb]);
    const rss = { image: await stack.imageStore.peakRss(), layer: await stack.layerStore.peakRss() };
    const { error } = await refusedPull("bomb:1");
    expect(error).toMatchObject({
      kind: "invalid_argument",
      message: "failed to register layer: invalid layer tar: more than 67108864 bytes of data after the end-of-archive marker",
    });
    expect((await stack.imageStore.peakRss()) - rss.image).toBeLessThan(MAX_RSS_GROWTH);
    expect((await stack.layerStore.peakRss()) - rss.layer).toBeLessThan(MAX_RSS_GROWTH);
  }, 120_000);

  for (const hostile of hostileCorpus().filter(({ name }) => ["dotdot-escape", "symlink-absolute-escape"].includes(name))) {
    it(`serves a layer with a path escape (${hostile.name}): refused naming the entry, nothing written outside`, async () => {
      await pushImage(`${hostile.name}:1`, configOf([sha256Digest(hostile.bytes)]), [gzipSync(hostile.bytes)]);
      const { error } = await refusedPull(`${hostile.name}:1`);
      expect(error.kind).toBe("invalid_argument");
      expect(error.message).toMatch(/^failed to register layer: /);
      expect(error.message).toContain(hostile.expectedEntry);
      for (const outside of hostile.outsidePaths) expect(existsSync(outside), outside).toBe(false);
    });
  }

  it("serves a layer whose content is not the config's diffID: refused in dockerd's words once every layer is in, nothing kept", async () => {
    const [layer, top, other] = ["layer", "top", "other"].map((name) => new TarWriter().file(name, name).end()) as [Buffer, Buffer, Buffer];
    await pushImage("mismatch:1", configOf([sha256Digest(other), sha256Digest(top)]), [gzipSync(layer), gzipSync(top)]);
    const { statuses, error } = await refusedPull("mismatch:1");
    expect(error).toMatchObject({ kind: "internal", message: "layers from manifest don't match image configuration" });
    expect(statuses.filter((status) => status === "Pull complete")).toHaveLength(2);
    expect(statuses.at(-1)).toBe("Pull complete");
  });
});
