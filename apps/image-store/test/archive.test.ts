import { mkdtemp, readdir, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createReadStream } from "node:fs";
import { gzipSync } from "node:zlib";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { familiarString, sha256Digest } from "@slipway/docker-spec";
import { planLoad } from "../src/archive/load-plan.js";
import { saveArchive } from "../src/archive/save-archive.js";
import { ArchiveSpool } from "../src/archive/spool.js";
import { parseImageConfig } from "../src/domain/image-config.js";
import { ociArchive, savedGolden, sha256, tarOf, type TarMember } from "./fixtures.js";

const HOST = { os: "linux", architecture: "amd64" };
let dir: string;
let golden: { archive: string; imageId: string };

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "image-store-archive-"));
  golden = savedGolden(dir);
});
afterAll(() => rm(dir, { recursive: true, force: true }));

async function* chunksOf(data: Buffer, size = 7_000): AsyncIterable<Buffer> {
  for (let i = 0; i < data.length; i += size) yield data.subarray(i, i + size);
}

async function plan(archive: Buffer | string) {
  const source = typeof archive === "string" ? createReadStream(archive) : chunksOf(archive);
  const spool = await ArchiveSpool.read(source, join(dir, "scratch"));
  try {
    return await planLoad(spool, HOST);
  } finally {
    await spool.dispose();
  }
}

describe("loading plans", () => {
  it("reads docker save's golden:1 with dockerd's image ID, tag and four layers", async () => {
    const [image, ...rest] = await plan(golden.archive);
    expect(rest).toHaveLength(0);
    expect(image!.id).toBe(golden.imageId);
    expect(image!.tags.map(familiarString)).toEqual(["golden:1"]);
    expect(image!.layers.map((l) => l.diffId)).toEqual(image!.config.diffIds);
    expect(image!.layers.every((l) => l.file.digest === l.diffId)).toBe(true);
  });

  it("reads a gzip-compressed archive the same way", async () => {
    const [image] = await plan(gzipSync(await readFile(golden.archive)));
    expect(image!.id).toBe(golden.imageId);
  });

  it("reads an OCI layout with a gzip layer, and picks the host's manifest from a nested index", async () => {
    for (const nested of [false, true]) {
      const oci = await ociArchive({ name: "docker.io/library/ocitest:1", nested });
      const [image] = await plan(oci.archive);
      expect(image!.id).toBe(oci.imageId);
      expect(image!.tags.map(familiarString)).toEqual(["ocitest:1"]);
      expect(image!.layers[0]!.diffId).toBe(oci.diffId);
    }
  });

  it("reads the combined layout of newer engines: manifest.json naming OCI blobs, index.json beside it", async () => {
    const layer = await tarOf([{ name: "a.txt", data: "combined\n" }]);
    const config = JSON.stringify({ os: "linux", architecture: "amd64", rootfs: { type: "layers", diff_ids: [sha256(layer)] } });
    const blob = (data: Buffer | string) => `blobs/sha256/${sha256(data).slice(7)}`;
    const members = (layerBytes: Buffer) => [
      { name: blob(config), data: config },
      { name: blob(layer), data: layerBytes },
      { name: "index.json", data: JSON.stringify({ schemaVersion: 2, manifests: [] }) },
      { name: "manifest.json", data: JSON.stringify([{ Config: blob(config), RepoTags: ["combined:1"], Layers: [blob(layer)] }]) },
      { name: "oci-layout", data: '{"imageLayoutVersion":"1.0.0"}' },
    ];
    const [image] = await plan(await tarOf(members(layer)));
    expect(image!.id).toBe(sha256(config));
    expect(image!.tags.map(familiarString)).toEqual(["combined:1"]);
    await expect(plan(await tarOf(members(Buffer.concat([layer.subarray(0, 10), Buffer.from("x"), layer.subarray(11)]))))).rejects.toMatchObject({
      kind: "invalid_argument",
      message: expect.stringContaining(`${blob(layer)} is corrupt`),
    });
  });

  it("leaves nothing in the scratch directory", async () => {
    expect(await readdir(join(dir, "scratch"))).toEqual([]);
  });
});

describe("bad archives are INVALID_ARGUMENT naming the problem", () => {
  const config = JSON.stringify({ os: "linux", architecture: "amd64", rootfs: { type: "layers", diff_ids: [sha256("x")] } });
  const configName = `${sha256(config).slice(7)}.json`;
  const saveWith = (layers: string[], extra: TarMember[] = []) =>
    tarOf([
      { name: configName, data: config },
      { name: "manifest.json", data: JSON.stringify([{ Config: configName, RepoTags: ["bad:1"], Layers: layers }]) },
      ...extra,
    ]);
  const cases: [string, () => Promise<Buffer>, RegExp][] = [
    ["a layer path leaving the archive", () => saveWith(["../../etc/passwd"]), /path "..\/..\/etc\/passwd" leaves the archive/],
    ["an absolute layer path", () => saveWith(["/etc/passwd"]), /leaves the archive/],
    ["a layer missing from the archive", () => saveWith(["abc/layer.tar"]), /"abc\/layer.tar" is not in the archive/],
    ["a layer count that differs from diff_ids", () => saveWith([]), /lists 0 layers but its config .* has 1 diff_ids/],
    [
      "a corrupt content-addressed config",
      async () =>
        tarOf([
          { name: configName, data: "{}" },
          { name: "manifest.json", data: JSON.stringify([{ Config: configName, Layers: [] }]) },
        ]),
      /is corrupt: its content has digest/,
    ],
    ["a manifest that is not JSON", () => tarOf([{ name: "manifest.json", data: "[{" }]), /manifest.json is not valid JSON/],
    ["no manifest at all", () => tarOf([{ name: "hello", data: "x" }]), /neither manifest.json nor index.json/],
    ["an empty stream", async () => Buffer.alloc(0), /neither manifest.json nor index.json/],
    ["garbage", async () => Buffer.from("garbage"), /not a readable tar stream/],
    [
      "an OCI blob whose content does not match its digest",
      async () => (await ociArchive({ corrupt: "layer" })).archive,
      /is corrupt: its content has digest/,
    ],
    ["an OCI blob that is missing", async () => (await ociArchive({ dropLayer: true })).archive, /is missing from the archive/],
    [
      "an unsupported layer media type",
      async () => (await ociArchive({ layerMediaType: "application/vnd.oci.image.layer.v1.tar+zstd" })).archive,
      /unsupported media type "application\/vnd.oci.image.layer.v1.tar\+zstd"/,
    ],
  ];
  it.each(cases)("%s", async (_what, make, message) => {
    await expect(plan(await make())).rejects.toMatchObject({ kind: "invalid_argument", message: expect.stringMatching(message) });
    expect(await readdir(join(dir, "scratch"))).toEqual([]);
  });

  it("a truncated archive", async () => {
    const whole = await readFile(golden.archive);
    await expect(plan(whole.subarray(0, 1_000_000 + 100))).rejects.toMatchObject({ kind: "invalid_argument" });
    expect(await readdir(join(dir, "scratch"))).toEqual([]);
  });
});

describe("docker save layout", () => {
  it("writes golden:1 byte for byte as dockerd 20.10 does", async () => {
    const [image] = await plan(golden.archive);
    const extracted = join(dir, "extracted");
    const spool = await ArchiveSpool.read(createReadStream(golden.archive), join(dir, "scratch2"));
    const layerByChain = new Map(image!.config.chainIds.map((chainId, i) => [chainId, image!.layers[i]!.file.path]));
    try {
      const record = { id: image!.id, configBytes: image!.configBytes, config: parseImageConfig(image!.configBytes) };
      const chunks: Buffer[] = [];
      const exportLayer = (chainId: string) => spool.open(spool.resolve(layerByChain.get(chainId)!)!) as AsyncIterable<Buffer>;
      for await (const chunk of saveArchive([{ image: record, tags: image!.tags }], exportLayer, extracted)) chunks.push(chunk);
      const ours = Buffer.concat(chunks);
      expect(ours.length).toBe((await readFile(golden.archive)).length);
      expect(sha256Digest(ours)).toBe(sha256Digest(await readFile(golden.archive)));
    } finally {
      await spool.dispose();
    }
  });
});
