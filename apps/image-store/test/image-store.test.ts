import { execFileSync } from "node:child_process";
import { createReadStream } from "node:fs";
import { mkdtemp, readdir, readFile, rm, stat, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { chainIds } from "@slipway/docker-spec";
import { docker, manifestFirstGolden, ociArchive, savedGolden, sha256, tarMember, tarOf } from "./fixtures.js";
import { load, startStack, treeOf, type Stack } from "./harness.js";

let stack: Stack;
let dir: string;
let golden: { archive: string; imageId: string };
let hex: string;

const imagedb = (root: string) => join(root, "image", "overlay2", "imagedb");
const repositoriesJson = () => readFile(join(stack.dataRoot, "image", "overlay2", "repositories.json"), "utf8");
const dockerRoot = () => docker("info", "--format", "{{.DockerRootDir}}");
const fileChunks = (path: string) => createReadStream(path, { highWaterMark: 64 * 1024 }) as AsyncIterable<Buffer>;

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "image-store-test-"));
  golden = savedGolden(dir);
  hex = golden.imageId.slice("sha256:".length);
  stack = await startStack();
}, 120_000);
afterAll(async () => {
  await stack?.stop();
  await rm(dir, { recursive: true, force: true });
});

describe("loading docker save's golden:1", () => {
  let events: Awaited<ReturnType<typeof load>>;
  beforeAll(async () => {
    events = await load(stack.client, fileChunks(golden.archive));
  });

  it("answers with per-layer progress, then dockerd's result line", () => {
    const loaded = events.filter((e) => e.loaded).map((e) => e.loaded!);
    expect(loaded).toEqual([{ imageId: golden.imageId, repoTags: ["golden:1"], message: "Loaded image: golden:1" }]);
    const progress = events.filter((e) => e.progress).map((e) => e.progress!);
    const diffIds = JSON.parse(docker("image", "inspect", "golden:1", "--format", "{{json .RootFS.Layers}}")) as string[];
    expect([...new Set(progress.map((p) => p.digest))]).toEqual(diffIds);
    for (const digest of diffIds) {
      const last = progress.filter((p) => p.digest === digest).at(-1)!;
      expect(last.current).toBe(last.total);
    }
  });

  it("stores the config byte for byte as the local dockerd did, 0600 in 0700 dirs", async () => {
    const ours = join(imagedb(stack.dataRoot), "content", "sha256", hex);
    expect(await readFile(ours)).toEqual(await readFile(join(imagedb(dockerRoot()), "content", "sha256", hex)));
    expect((await stat(ours)).mode & 0o777).toBe(0o600);
    expect((await stat(join(ours, ".."))).mode & 0o777).toBe(0o700);
    expect((await stat(imagedb(stack.dataRoot))).mode & 0o777).toBe(0o700);
  });

  it("writes repositories.json as dockerd does: compact, familiar, no newline, 0600", async () => {
    expect(await repositoriesJson()).toBe(`{"Repositories":{"golden":{"golden:1":"${golden.imageId}"}}}`);
    expect((await stat(join(stack.dataRoot, "image", "overlay2", "repositories.json"))).mode & 0o777).toBe(0o600);
  });

  it("does not write lastUpdated on load (dockerd sets it on tag only)", async () => {
    await expect(stat(join(imagedb(stack.dataRoot), "metadata", "sha256", hex, "lastUpdated"))).rejects.toThrow(/ENOENT/);
  });

  it("resolves every way dockerd does, with the same layer chain", async () => {
    const diffIds = JSON.parse(docker("image", "inspect", "golden:1", "--format", "{{json .RootFS.Layers}}")) as string[];
    for (const ref of ["golden:1", "docker.io/library/golden:1", hex, golden.imageId, hex.slice(0, 12), `sha256:${hex.slice(0, 12)}`]) {
      const resolved = await stack.client.resolveImage({ reference: ref });
      expect(resolved.imageId).toBe(golden.imageId);
      expect(resolved.layers).toEqual(diffIds.map((diffId, i) => ({ diffId, chainId: chainIds(diffIds)[i] })));
      expect(resolved.topChainId).toBe(chainIds(diffIds).at(-1));
      expect(resolved.repoTags).toEqual(["golden:1"]);
      expect(sha256(resolved.configJson)).toBe(golden.imageId);
      expect(resolved.platform).toEqual({ os: "linux", architecture: "amd64", variant: "" });
    }
    const size = Number(docker("image", "inspect", "golden:1", "--format", "{{.Size}}"));
    expect((await stack.client.resolveImage({ reference: "golden:1" })).size).toBe(size);
  });

  it("answers unknown references with dockerd's NOT_FOUND text and bad ones with its parse errors", async () => {
    await expect(stack.client.resolveImage({ reference: "golden" })).rejects.toMatchObject({
      kind: "not_found",
      message: "No such image: golden:latest",
    });
    await expect(stack.client.resolveImage({ reference: "nosuch:1" })).rejects.toMatchObject({
      kind: "not_found",
      message: "No such image: nosuch:1",
    });
    await expect(stack.client.resolveImage({ reference: `sha256:${"0".repeat(64)}` })).rejects.toMatchObject({
      kind: "not_found",
      message: `No such image: sha256:${"0".repeat(64)}`,
    });
    await expect(stack.client.resolveImage({ reference: "Golden:1" })).rejects.toMatchObject({
      kind: "invalid_argument",
      message: "invalid reference format: repository name must be lowercase",
    });
  });

  it("gives the docker image inspect document with dockerd's keys, order and values", async () => {
    const { inspectJson } = await stack.client.getImage({ reference: "golden:1" });
    const ours = JSON.parse(inspectJson.toString()) as Record<string, unknown>;
    const theirs = (JSON.parse(docker("image", "inspect", "golden:1")) as Record<string, unknown>[])[0]!;
    expect(Object.keys(ours)).toEqual(Object.keys(theirs));
    // The local dockerd built golden:1, so it knows a parent image; a loaded image has none (Parent "").
    for (const key of Object.keys(theirs).filter((k) => !["GraphDriver", "Metadata", "Parent"].includes(k))) expect(ours[key]).toEqual(theirs[key]);
    expect(ours.Parent).toBe("");
    expect(ours.RepoDigests).toEqual([]);
    const data = (ours.GraphDriver as { Data: Record<string, string> }).Data;
    expect(Object.keys(data)).toEqual(Object.keys((theirs.GraphDriver as { Data: object }).Data));
    expect(data.UpperDir).toMatch(new RegExp(`^${stack.dataRoot}/overlay2/[a-f0-9]{64}/diff$`));
    expect(inspectJson.toString()).not.toContain("\n");
  });

  it("lists it as docker images does, with its layer chain", async () => {
    const { images } = await stack.client.listImages({ all: false, filters: {} });
    const created = Math.floor(Date.parse(docker("image", "inspect", "golden:1", "--format", "{{.Created}}")) / 1000);
    const diffIds = JSON.parse(docker("image", "inspect", "golden:1", "--format", "{{json .RootFS.Layers}}")) as string[];
    expect(images).toEqual([
      {
        id: golden.imageId,
        parentId: "",
        repoTags: ["golden:1"],
        repoDigests: [],
        created,
        size: Number(docker("image", "inspect", "golden:1", "--format", "{{.Size}}")),
        labels: { "org.example.name": "golden", "org.example.version": "1.0" },
        containers: -1,
        layers: diffIds.map((diffId, i) => ({ diffId, chainId: chainIds(diffIds)[i] })),
        sharedSize: -1,
      },
    ]);
    expect((await stack.client.listImages({ all: false, filters: { reference: { values: ["gold*"] } } })).images).toHaveLength(1);
    expect((await stack.client.listImages({ all: false, filters: { dangling: { values: ["true"] } } })).images).toHaveLength(0);
    await expect(stack.client.listImages({ all: false, filters: { bogus: { values: ["x"] } } })).rejects.toMatchObject({
      message: "Invalid filter 'bogus'",
    });
  });
});

describe("tags and removal", () => {
  it("tags like docker tag: normalised target, familiar key, lastUpdated set", async () => {
    await stack.client.tagImage({ source: "golden:1", target: "docker.io/library/golden", tag: "2" });
    expect(await repositoriesJson()).toBe(`{"Repositories":{"golden":{"golden:1":"${golden.imageId}","golden:2":"${golden.imageId}"}}}`);
    const lastUpdated = join(imagedb(stack.dataRoot), "metadata", "sha256", hex, "lastUpdated");
    expect(await readFile(lastUpdated, "utf8")).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z$/);
    expect((await stat(lastUpdated)).mode & 0o777).toBe(0o600);
    const { inspectJson } = await stack.client.getImage({ reference: "golden:2" });
    expect(JSON.parse(inspectJson.toString()).Metadata.LastTagTime).toBe(await readFile(lastUpdated, "utf8"));
    await expect(stack.client.tagImage({ source: "golden:1", target: "golden", tag: "bad:tag" })).rejects.toMatchObject({
      message: "invalid tag format",
    });
    await expect(stack.client.tagImage({ source: "nosuch:1", target: "x:1", tag: "" })).rejects.toMatchObject({
      kind: "not_found",
      message: "No such image: nosuch:1",
    });
  });

  it("refuses to delete by ID an image in several repositories, and a tag a container uses", async () => {
    await expect(stack.client.removeImage({ reference: hex.slice(0, 12), force: false, noPrune: false })).rejects.toMatchObject({
      kind: "failed_precondition",
      message: `conflict: unable to delete ${hex.slice(0, 12)} (must be forced) - image is referenced in multiple repositories`,
    });
    expect((await stack.client.removeImage({ reference: "golden:2", force: false, noPrune: false })).items).toEqual([{ untagged: "golden:2" }]);
    const container = `81f2a5b1a2fd${"0".repeat(52)}`;
    stack.containers.set(container, golden.imageId);
    try {
      await expect(stack.client.removeImage({ reference: "golden:1", force: false, noPrune: false })).rejects.toMatchObject({
        kind: "failed_precondition",
        message: `conflict: unable to remove repository reference "golden:1" (must force) - container 81f2a5b1a2fd is using its referenced image ${hex.slice(0, 12)}`,
      });
    } finally {
      stack.containers.delete(container);
    }
  });

  it("deletes the image and releases its layers when the last tag goes", async () => {
    const diffIds = JSON.parse(docker("image", "inspect", "golden:1", "--format", "{{json .RootFS.Layers}}")) as string[];
    const { items } = await stack.client.removeImage({ reference: "golden:1", force: false, noPrune: false });
    expect(items).toEqual([
      { untagged: "golden:1" },
      { deleted: golden.imageId },
      ...chainIds(diffIds)
        .reverse()
        .map((c) => ({ deleted: c })),
    ]);
    await expect(stat(join(imagedb(stack.dataRoot), "content", "sha256", hex))).rejects.toThrow(/ENOENT/);
    await expect(stack.layers.getLayer({ chainId: chainIds(diffIds)[0]! })).rejects.toMatchObject({ kind: "not_found" });
    expect(await repositoriesJson()).toBe(`{"Repositories":{}}`);
  });
});

describe("save", () => {
  it("writes golden:1 byte for byte as dockerd's docker save, and the real dockerd loads it", async () => {
    await load(stack.client, fileChunks(golden.archive));
    const ours = await saved(["golden:1"]);
    expect(sha256(ours)).toBe(sha256(await readFile(golden.archive)));
    const tag = `slipway-roundtrip:${process.pid}`;
    await stack.client.tagImage({ source: "golden:1", target: tag, tag: "" });
    const archive = join(dir, "roundtrip.tar");
    await writeFile(archive, await saved([tag]));
    try {
      expect(docker("load", "-i", archive)).toBe(`Loaded image: ${tag}`);
      expect(docker("image", "inspect", tag, "--format", "{{.Id}}")).toBe(golden.imageId);
    } finally {
      docker("rmi", tag);
      await stack.client.removeImage({ reference: tag, force: false, noPrune: false });
    }
  });

  it("loads its own archive back with identical IDs and layer digests", async () => {
    const before = await stack.client.resolveImage({ reference: "golden:1" });
    const archive = join(dir, "ours.tar");
    await writeFile(archive, await saved([hex.slice(0, 12)]));
    await stack.client.removeImage({ reference: "golden:1", force: false, noPrune: false });
    const events = await load(stack.client, fileChunks(archive));
    expect(events.filter((e) => e.loaded).map((e) => e.loaded!.message)).toEqual([`Loaded image ID: ${golden.imageId}`]);
    const after = await stack.client.resolveImage({ reference: golden.imageId });
    expect({ ...after, repoTags: [] }).toEqual({ ...before, repoTags: [] });
    await stack.client.tagImage({ source: golden.imageId, target: "golden", tag: "1" });
  });

  it("saves every tag of a repository for a bare name, as docker save golden does", async () => {
    await stack.client.tagImage({ source: "golden:1", target: "golden", tag: "extra" });
    try {
      const archive = await saved(["golden"]);
      const manifest = JSON.parse(execFileSync("tar", ["-xOf", "-", "manifest.json"], { input: archive }).toString());
      expect(manifest).toHaveLength(1);
      expect(manifest[0].RepoTags.sort()).toEqual(["golden:1", "golden:extra"]);
      const repositories = JSON.parse(execFileSync("tar", ["-xOf", "-", "repositories"], { input: archive }).toString());
      expect(Object.keys(repositories.golden)).toEqual(["1", "extra"]);
    } finally {
      await stack.client.removeImage({ reference: "golden:extra", force: false, noPrune: false });
    }
  });

  it("refuses an unknown reference before sending anything", async () => {
    await expect(saved(["nosuch:1"])).rejects.toMatchObject({ kind: "not_found", message: "reference does not exist" });
  });
});

describe("an ambiguous ID prefix", () => {
  it("is no such image for lookups and dockerd's 500 for save, as in dockerd", async () => {
    const goldenHex = golden.imageId.slice("sha256:".length);
    let oci = await ociArchive({ name: "docker.io/library/twin:1", content: "twin 0\n" });
    for (let i = 1; oci.imageId[7] !== goldenHex[0]; i++) oci = await ociArchive({ name: "docker.io/library/twin:1", content: `twin ${i}\n` });
    await load(stack.client, [oci.archive]);
    try {
      const prefix = goldenHex[0]!;
      await expect(stack.client.resolveImage({ reference: prefix })).rejects.toMatchObject({
        kind: "not_found",
        message: `No such image: ${prefix}:latest`,
      });
      await expect(stack.client.resolveImage({ reference: `sha256:${prefix}` })).rejects.toMatchObject({
        kind: "not_found",
        message: `No such image: sha256:${prefix}`,
      });
      await expect(saved([prefix])).rejects.toMatchObject({ kind: "internal", message: "ambiguous digest string" });
      expect((await stack.client.resolveImage({ reference: goldenHex.slice(0, 12) })).imageId).toBe(golden.imageId);
    } finally {
      await stack.client.removeImage({ reference: "twin:1", force: false, noPrune: false });
    }
  });
});

describe("OCI image layouts", () => {
  it.each([false, true])("load with a gzip layer (nested index: %s)", async (nested) => {
    const oci = await ociArchive({ name: "docker.io/library/ocitest:1", nested, content: `nested=${nested}\n` });
    const events = await load(stack.client, [oci.archive]);
    expect(events.filter((e) => e.loaded).map((e) => e.loaded!.message)).toEqual(["Loaded image: ocitest:1"]);
    const resolved = await stack.client.resolveImage({ reference: "ocitest:1" });
    expect(resolved.imageId).toBe(oci.imageId);
    expect(resolved.layers).toEqual([{ diffId: oci.diffId, chainId: oci.diffId }]);
    await stack.client.removeImage({ reference: "ocitest:1", force: false, noPrune: false });
  });
});

describe("bad archives fail cleanly", () => {
  const cases: [string, () => Promise<Buffer>, RegExp][] = [
    ["a layer whose content does not match the config's diffID", () => mismatchedLayers(), /diff/i],
    ["a layer path leaving the archive", () => saveArchiveWith(["../../etc/passwd"]), /leaves the archive/],
    ["a missing layer", () => saveArchiveWith(["nope/layer.tar"]), /is not in the archive/],
    ["a missing OCI blob", async () => (await ociArchive({ name: "bad:1", dropLayer: true })).archive, /is missing from the archive/],
    [
      "an unsupported media type",
      async () => (await ociArchive({ name: "bad:1", layerMediaType: "application/vnd.oci.image.layer.v1.tar+zstd" })).archive,
      /unsupported media type/,
    ],
    ["a truncated archive", async () => (await readFile(golden.archive)).subarray(0, 1_500_000), /not a readable tar stream/],
  ];
  it.each(cases)("%s: INVALID_ARGUMENT, data root unchanged", async (_what, make, message) => {
    const before = await treeOf(stack.dataRoot);
    await expect(load(stack.client, [await make()])).rejects.toMatchObject({ kind: "invalid_argument", message: expect.stringMatching(message) });
    expect(await treeOf(stack.dataRoot)).toEqual(before);
  });
});

describe("recovery", () => {
  it("restarts with its images and skips a corrupt record without refusing to start", async () => {
    const oci = await ociArchive({ name: "docker.io/library/corrupt:1", content: "to be corrupted\n" });
    await load(stack.client, [oci.archive]);
    await writeFile(join(imagedb(stack.dataRoot), "content", "sha256", oci.imageId.slice(7)), "{}");
    await stack.restartImageStore();
    expect((await stack.client.resolveImage({ reference: "golden:1" })).imageId).toBe(golden.imageId);
    await expect(stack.client.resolveImage({ reference: "corrupt:1" })).rejects.toMatchObject({ kind: "not_found" });
  });
});

async function saved(references: string[]): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const { chunk } of stack.client.saveImages({ references })) chunks.push(chunk);
  return Buffer.concat(chunks);
}

async function saveArchiveWith(layers: string[]): Promise<Buffer> {
  const config = JSON.stringify({ os: "linux", architecture: "amd64", rootfs: { type: "layers", diff_ids: [sha256("x")] } });
  return tarOf([
    { name: `${sha256(config).slice(7)}.json`, data: config },
    { name: "manifest.json", data: JSON.stringify([{ Config: `${sha256(config).slice(7)}.json`, RepoTags: ["bad:1"], Layers: layers }]) },
  ]);
}

/** Two layers: the first is what the config says, the second is not; the first must be released again. */
async function mismatchedLayers(): Promise<Buffer> {
  const good = await tarOf([{ name: "good.txt", data: `good ${process.pid}\n` }]);
  const bad = await tarOf([{ name: "bad.txt", data: "not what the config promises\n" }]);
  const config = JSON.stringify({
    os: "linux",
    architecture: "amd64",
    rootfs: { type: "layers", diff_ids: [sha256(good), sha256("something else")] },
  });
  const name = `${sha256(config).slice(7)}.json`;
  return tarOf([
    { name: "a/layer.tar", data: good },
    { name: "b/layer.tar", data: bad },
    { name, data: config },
    { name: "manifest.json", data: JSON.stringify([{ Config: name, RepoTags: ["bad:1"], Layers: ["a/layer.tar", "b/layer.tar"] }]) },
  ]);
}

describe("layers registered as they arrive", () => {
  it("registers each layer while the rest of the archive is still unsent when manifest.json comes first", async () => {
    const { images } = await stack.client.listImages({ all: true, filters: {} });
    if (images.some((i) => i.id === golden.imageId)) await stack.client.removeImage({ reference: golden.imageId, force: true, noPrune: false });
    const { head, layers, trailer, chainIds: chain } = await manifestFirstGolden(golden.archive, dir);
    async function* paced(): AsyncIterable<Buffer> {
      yield head;
      for (const [i, layer] of layers.entries()) {
        yield layer;
        // The next byte is sent only once layer-store has this layer: it was not waiting for the end.
        while (
          !(await stack.layers.getLayer({ chainId: chain[i]! }).then(
            () => true,
            () => false,
          ))
        )
          await new Promise((r) => setTimeout(r, 20));
      }
      yield trailer;
    }
    const events = await load(stack.client, paced());
    expect(events.filter((e) => e.loaded).map((e) => e.loaded!.message)).toEqual(["Loaded image: golden:1"]);
    expect((await stack.client.resolveImage({ reference: "golden:1" })).topChainId).toBe(chain.at(-1));
  });

  it("releases what it registered when a later layer does not match", async () => {
    const { head, layers, trailer, layerPaths, layerData } = await manifestFirstGolden(golden.archive, dir);
    const renamed = Buffer.from(head.toString("latin1").replaceAll("golden:1", "golden:9"), "latin1");
    const before = await treeOf(stack.dataRoot);
    // Layer 1's bytes under layer 2's name: the diffID cannot match, after layers 0 and 1 went through.
    const swapped = tarMember(layerPaths[2]!, layerData[1]!);
    await expect(load(stack.client, [renamed, layers[0]!, layers[1]!, swapped, layers[3]!, trailer])).rejects.toMatchObject({
      kind: "invalid_argument",
      message: expect.stringContaining(`layer ${layerPaths[2]}`),
    });
    expect(await treeOf(stack.dataRoot)).toEqual(before);
  });
});

describe("layers staged before the manifest (docker save order)", () => {
  it("places the staged layers and discards a layer tar no manifest names", async () => {
    const layer = await tarOf([{ name: "staged.txt", data: `staged ${process.pid}\n` }]);
    const stray = await tarOf([{ name: "stray.txt", data: "named by no manifest\n" }]);
    const config = JSON.stringify({ os: "linux", architecture: "amd64", rootfs: { type: "layers", diff_ids: [sha256(layer)] } });
    const name = `${sha256(config).slice(7)}.json`;
    const archive = await tarOf([
      { name: "a/layer.tar", data: layer },
      { name: "stray/layer.tar", data: stray },
      { name, data: config },
      { name: "manifest.json", data: JSON.stringify([{ Config: name, RepoTags: ["staged:1"], Layers: ["a/layer.tar"] }]) },
    ]);
    const overlayDirs = async () => (await readdir(join(stack.dataRoot, "overlay2"))).filter((name) => /^[a-f0-9]{64}$/.test(name)).sort();
    const before = await overlayDirs();
    const firstEntry = 512 + Math.ceil(layer.length / 512) * 512;
    async function* paced(): AsyncIterable<Buffer> {
      yield archive.subarray(0, firstEntry);
      // The rest is sent only once layer-store has extracted a/layer.tar: it did not wait for the manifest.
      while (!(await extractedBefore(before, "staged.txt"))) await new Promise((r) => setTimeout(r, 20));
      yield archive.subarray(firstEntry);
    }
    await load(stack.client, paced());
    try {
      const resolved = await stack.client.resolveImage({ reference: "staged:1" });
      expect(resolved.layers).toEqual([{ diffId: sha256(layer), chainId: sha256(layer) }]);
      expect((await overlayDirs()).length).toBe(before.length + 1);
    } finally {
      await stack.client.removeImage({ reference: "staged:1", force: false, noPrune: false });
    }
    expect(await overlayDirs()).toEqual(before);
  });

  it("registers a layer tar the manifest names again, on the same parent and on another, from layer-store's copy", async () => {
    const x = await tarOf([{ name: "x.txt", data: `x ${process.pid}\n` }]);
    const y = await tarOf([{ name: "y.txt", data: `y ${process.pid}\n` }]);
    const configOf = (layers: Buffer[]) =>
      JSON.stringify({ os: "linux", architecture: "amd64", rootfs: { type: "layers", diff_ids: layers.map(sha256) } });
    const images = { "twice-a:1": [x], "twice-b:1": [y, x], "twice-c:1": [y] };
    const configs = Object.values(images).map(configOf);
    const archive = await tarOf([
      { name: "x/layer.tar", data: x },
      { name: "y/layer.tar", data: y },
      ...configs.map((config) => ({ name: `${sha256(config).slice(7)}.json`, data: config })),
      {
        name: "manifest.json",
        data: JSON.stringify(
          Object.entries(images).map(([tag, layers], i) => ({
            Config: `${sha256(configs[i]!).slice(7)}.json`,
            RepoTags: [tag],
            Layers: layers.map((l) => (l === x ? "x/layer.tar" : "y/layer.tar")),
          })),
        ),
      },
    ]);
    const overlayDirs = async () => (await readdir(join(stack.dataRoot, "overlay2"))).filter((name) => /^[a-f0-9]{64}$/.test(name)).sort();
    const before = await overlayDirs();
    await load(stack.client, [archive]);
    try {
      for (const [tag, layers] of Object.entries(images)) {
        const resolved = await stack.client.resolveImage({ reference: tag });
        expect(resolved.layers.map((l) => l.chainId)).toEqual(chainIds(layers.map(sha256)));
      }
      const exported: Buffer[] = [];
      for await (const { chunk } of stack.layers.exportLayer({ chainId: chainIds([sha256(y), sha256(x)])[1]! })) exported.push(chunk);
      expect(Buffer.concat(exported)).toEqual(x);
      expect((await overlayDirs()).length).toBe(before.length + 3);
      expect(await readdir(join(stack.dataRoot, "image", "overlay2"))).not.toContain("slipway-tmp");
    } finally {
      for (const tag of Object.keys(images)) await stack.client.removeImage({ reference: tag, force: false, noPrune: false });
    }
    expect(await overlayDirs()).toEqual(before);
  });
});

async function extractedBefore(known: string[], file: string): Promise<boolean> {
  for (const name of await readdir(join(stack.dataRoot, "overlay2"))) {
    if (known.includes(name) || name === "l") continue;
    if (
      await stat(join(stack.dataRoot, "overlay2", name, "diff", file)).then(
        () => true,
        () => false,
      )
    )
      return true;
  }
  return false;
}
