// `docker pull` through image-store's gRPC service from Debian's docker-registry, compared with a throwaway
// dockerd pulling the same references: progress, imagedb, distribution/, layerdb and repositories.json.
import { randomBytes } from "node:crypto";
import { mkdtemp, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { gzipSync } from "node:zlib";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { chainIds, parseNormalizedNamed, sha256Digest, truncateId } from "@slipway/docker-spec";
import type { SlipwayError } from "@slipway/errors";
import type { imagestore } from "@slipway/proto";
import { MediaType, RegistryClient } from "@slipway/registry-client";
import { htpasswdEntry, startRegistry, type TestRegistry } from "@slipway/registry-client/testing";
import type { SecondDockerd } from "@slipway/throwaway-dockerd";
import type { Progress } from "../src/domain/progress.js";
import { startStack, treeOf, type Stack } from "./harness.js";
import {
  buildImage,
  dockerdApi,
  dockerdEvents,
  dockerdPull,
  imageStoreEvents,
  messageOf,
  pulledView,
  pullFailure,
  pushBlobs,
  repositoryEntry,
  skopeoPush,
  startComparedDockerd,
  startCorruptingProxy,
  type BuiltImage,
} from "./pull-helpers.js";
import { skopeoRawManifest, summaryOf, type DockerLine } from "./push-helpers.js";

const suffix = randomBytes(3).toString("hex");
let dir: string;
let registry: TestRegistry;
let stack: Stack;
let dockerd: SecondDockerd;
let a: BuiltImage;
const name = (repo: string, host = registry.host) => `${host}/pull-${suffix}/${repo}`;
const DOWNLOADED = ["Pulling fs layer", "Downloading", "Verifying Checksum", "Download complete", "Extracting", "Pull complete"];

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "image-store-pull-"));
  [registry, stack, dockerd] = await Promise.all([startRegistry(), startStack(), startComparedDockerd(dir)]);
  a = await buildImage([300_000, 2048]);
  await skopeoPush(a, `${name("a")}:1`, dir);
}, 120_000);

afterAll(async () => {
  await dockerd?.stop();
  await stack?.stop();
  await registry?.stop();
  await rm(dir, { recursive: true, force: true });
});

/** Slipway's pull: its progress, and the error it ended with as dockerd's stream shows one. */
async function pull(request: Partial<imagestore.PullImageRequest> & { reference: string }): Promise<(Progress | DockerLine)[]> {
  const lines: (Progress | DockerLine)[] = [];
  try {
    for await (const { progress } of stack.client.pullImage({ tag: "", platform: "", ...request }))
      lines.push({ id: progress!.id, status: progress!.status });
  } catch (err) {
    lines.push({ error: (err as Error).message });
  }
  return lines;
}

/** The throwaway dockerd's pull of the same reference. */
async function pulledByDockerd(reference: string, tag: string, auth?: object): Promise<DockerLine[]> {
  return (await dockerdPull(dockerd, reference, tag, auth)).lines;
}

/** The error Slipway's pull failed with, gRPC status kind included. */
async function pullError(request: Partial<imagestore.PullImageRequest> & { reference: string }): Promise<SlipwayError> {
  return (await pullFailure(stack.client, request)).error;
}

/** The registry's manifest of a reference: its digest and its layer blobs. */
async function manifestOf(reference: string): Promise<{ digest: string; blobs: string[]; bytes: Buffer }> {
  const bytes = await skopeoRawManifest(reference);
  const { layers } = JSON.parse(bytes.toString()) as { layers: { digest: string }[] };
  return { digest: sha256Digest(bytes), blobs: layers.map((layer) => layer.digest), bytes };
}

/**
 * dockerd's progress as Slipway's: the same whole-image lines and layers, each layer's statuses in Slipway's
 * order from the same first to the same last. dockerd may skip one in between: its transfer watchers pass on
 * only the latest status, so one followed at once by another ("Verifying Checksum") can be lost.
 */
function expectSameProgress(theirs: readonly (Progress | DockerLine)[], ours: readonly (Progress | DockerLine)[]): void {
  const dockerd = summaryOf(theirs);
  const slipway = summaryOf(ours);
  expect(dockerd.image).toEqual(slipway.image);
  expect(Object.keys(dockerd.layers).sort()).toEqual(Object.keys(slipway.layers).sort());
  for (const [id, statuses] of Object.entries(slipway.layers)) {
    const seen = dockerd.layers[id]!;
    expect([seen[0], seen.at(-1)]).toEqual([statuses[0], statuses.at(-1)]);
    let from = 0;
    const inOrder = seen.every((status) => (from = statuses.indexOf(status, from) + 1) > 0);
    expect(inOrder, `${id}: dockerd's ${JSON.stringify(seen)} in Slipway's order ${JSON.stringify(statuses)}`).toBe(true);
  }
}

const layerLines = (blobs: readonly string[], ...statuses: string[][]) =>
  Object.fromEntries(blobs.map((blob, i) => [truncateId(blob), statuses[i]!]));

describe("pull from a plain-HTTP registry", () => {
  let manifest: { digest: string; blobs: string[] };
  let ours: (Progress | DockerLine)[];
  let theirs: DockerLine[];
  beforeAll(async () => {
    manifest = await manifestOf(`${name("a")}:1`);
    ours = await pull({ reference: name("a"), tag: "1" });
    theirs = await pulledByDockerd(name("a"), "1");
  }, 120_000);

  it("reports what dockerd reports: the repository, each layer from Pulling fs layer to Pull complete, the digest and the status", () => {
    expect(summaryOf(ours)).toEqual({
      image: [`Digest: ${manifest.digest}`, `Status: Downloaded newer image for ${name("a")}:1`],
      layers: { "1": [`Pulling from pull-${suffix}/a`], ...layerLines(manifest.blobs, DOWNLOADED, DOWNLOADED) },
    });
    expectSameProgress(theirs, ours);
  });

  it("logs the pull event dockerd logs: the reference as the actor, the repository as its name, the image's labels", async () => {
    const ours = await imageStoreEvents(stack.client, "pull");
    expect(ours).toHaveLength(1);
    expect(ours).toEqual(await dockerdEvents(dockerd, "pull"));
  });

  it("writes the imagedb config, distribution/ files, layerdb and references dockerd writes", async () => {
    const chain = chainIds(a.diffIds);
    const view = await pulledView(stack.dataRoot, a, manifest.blobs, chain);
    expect(view.config).toBe(`600 ${a.config.toString()}`);
    expect(view["v2metadata 0"]).toBe(`644 [{"Digest":"${manifest.blobs[0]}","SourceRepository":"${name("a")}","HMAC":""}]`);
    expect(view).toEqual(await pulledView(dockerd.dataRoot, a, manifest.blobs, chain));
    const references = await repositoryEntry(stack.dataRoot, name("a"));
    expect(references).toEqual({ [`${name("a")}:1`]: a.id, [`${name("a")}@${manifest.digest}`]: a.id });
    expect(references).toEqual(await repositoryEntry(dockerd.dataRoot, name("a")));
  });

  it("says the image is up to date, pulled again by tag or by digest, as dockerd does", async () => {
    for (const tag of ["1", manifest.digest]) {
      const again = await pull({ reference: name("a"), tag });
      const status = `Status: Image is up to date for ${name("a")}${tag === "1" ? ":1" : `@${tag}`}`;
      expect(summaryOf(again).image).toEqual([`Digest: ${manifest.digest}`, status]);
      expectSameProgress(await pulledByDockerd(name("a"), tag), again);
    }
  });

  it("pulls by digest, recording only the digest reference; a fourth layer waits for a download slot", async () => {
    const d = await buildImage([1000, 1000, 1000, 1000]);
    await skopeoPush(d, `${name("d")}:1`, dir);
    const { digest, blobs } = await manifestOf(`${name("d")}:1`);
    const pulled = await pull({ reference: name("d"), tag: digest });
    const { image, layers } = summaryOf(pulled);
    expect(image).toEqual([`Digest: ${digest}`, `Status: Downloaded newer image for ${name("d")}@${digest}`]);
    expect(layers[`${name("d")}@${digest}`]).toEqual([`Pulling from pull-${suffix}/d`]);
    expect(layers[truncateId(blobs[3]!)]).toEqual(["Pulling fs layer", "Waiting", ...DOWNLOADED.slice(1)]);
    expectSameProgress(await pulledByDockerd(name("d"), digest), pulled);
    expect(await repositoryEntry(stack.dataRoot, name("d"))).toEqual({ [`${name("d")}@${digest}`]: d.id });
    expect(await repositoryEntry(dockerd.dataRoot, name("d"))).toEqual(await repositoryEntry(stack.dataRoot, name("d")));
  });

  it("finds a base layer an earlier pull brought: Already exists, and the new image holds its own layers", async () => {
    const b = await buildImage([4096], a.tars.slice(0, 1));
    await skopeoPush(b, `${name("b")}:1`, dir);
    const { blobs } = await manifestOf(`${name("b")}:1`);
    const pulled = await pull({ reference: `${name("b")}:1` });
    expect(summaryOf(pulled).layers).toEqual({ "1": [`Pulling from pull-${suffix}/b`], ...layerLines(blobs, ["Already exists"], DOWNLOADED) });
    expectSameProgress(await pulledByDockerd(name("b"), "1"), pulled);
    const chain = chainIds(b.diffIds);
    expect(await pulledView(stack.dataRoot, b, blobs, chain)).toEqual(await pulledView(dockerd.dataRoot, b, blobs, chain));

    const c = await buildImage([], a.tars.slice(0, 1));
    await skopeoPush(c, `${name("c")}:1`, dir);
    expect(summaryOf(await pull({ reference: `${name("c")}:1` })).layers[truncateId(blobs[0]!)]).toEqual(["Already exists"]);
    for (const image of [a, b]) await stack.client.removeImage({ reference: image.id, force: true, noPrune: false });
    const resolved = await stack.client.resolveImage({ reference: `${name("c")}:1` });
    expect(resolved.imageId).toBe(c.id);
    expect((await stack.layers.getLayer({ chainId: resolved.topChainId })).layer?.chainId).toBe(resolved.topChainId);
  });
});

describe("pull of a manifest list", () => {
  it("takes the host's platform by default and another with --platform, recording the list's digest", async () => {
    const amd64 = await buildImage([1024]);
    const arm64 = await buildImage([1024], [], "arm64");
    await skopeoPush(amd64, `${name("multi")}:amd64`, dir);
    await skopeoPush(arm64, `${name("multi")}:arm64`, dir);
    const entry = async (tag: string, architecture: string) => {
      const { digest, bytes } = await manifestOf(`${name("multi")}:${tag}`);
      return { mediaType: MediaType.dockerManifest, size: bytes.length, digest, platform: { architecture, os: "linux" } };
    };
    const list = Buffer.from(
      JSON.stringify({
        schemaVersion: 2,
        mediaType: MediaType.dockerManifestList,
        manifests: [await entry("arm64", "arm64"), await entry("amd64", "amd64")],
      }),
    );
    await new RegistryClient().withRepository(parseNormalizedNamed(`${name("multi")}:list`), { push: true }, (repository) =>
      repository.manifests.put("list", list, MediaType.dockerManifestList),
    );
    const listDigest = sha256Digest(list);

    const pulled = await pull({ reference: `${name("multi")}:list` });
    expect(summaryOf(pulled).image).toEqual([`Digest: ${listDigest}`, `Status: Downloaded newer image for ${name("multi")}:list`]);
    expectSameProgress(await pulledByDockerd(name("multi"), "list"), pulled);
    expect(await repositoryEntry(stack.dataRoot, name("multi"))).toEqual({
      [`${name("multi")}:list`]: amd64.id,
      [`${name("multi")}@${listDigest}`]: amd64.id,
    });
    expect(await repositoryEntry(stack.dataRoot, name("multi"))).toEqual(await repositoryEntry(dockerd.dataRoot, name("multi")));

    const withPlatform = async (platform: string) =>
      (await dockerdApi(dockerd, "POST", `/images/create?fromImage=${encodeURIComponent(name("multi"))}&tag=list&platform=${platform}`))
        .lines as DockerLine[];
    const other = await pull({ reference: `${name("multi")}:list`, platform: "linux/arm64" });
    expect(summaryOf(other).image).toEqual([`Digest: ${listDigest}`, `Status: Downloaded newer image for ${name("multi")}:list`]);
    expectSameProgress(await withPlatform("linux%2Farm64"), other);
    expect((await stack.client.resolveImage({ reference: `${name("multi")}:list` })).imageId).toBe(arm64.id);
    const none = await pull({ reference: `${name("multi")}:list`, platform: "linux/s390x" });
    expect(none.at(-1)).toEqual({ error: "no matching manifest for linux/s390x in the manifest list entries" });
    expectSameProgress(await withPlatform("linux%2Fs390x"), none);
  }, 120_000);
});

describe("pull of every tag (a name without tag, as docker pull --all-tags asks)", () => {
  it("pulls each tag the registry lists, then one status for the name, as dockerd does", async () => {
    const [one, two] = [await buildImage([1500]), await buildImage([2500])];
    await skopeoPush(one!, `${name("all")}:1`, dir);
    await skopeoPush(two!, `${name("all")}:2`, dir);
    const ours = await pull({ reference: name("all") });
    expect(summaryOf(ours).image.at(-1)).toBe(`Status: Downloaded newer image for ${name("all")}`);
    expect(Object.keys(summaryOf(ours).layers)).toEqual(expect.arrayContaining(["1", "2"]));
    expectSameProgress(await pulledByDockerd(name("all"), ""), ours);
    expect(await repositoryEntry(stack.dataRoot, name("all"))).toEqual(await repositoryEntry(dockerd.dataRoot, name("all")));
    expect(Object.keys((await repositoryEntry(stack.dataRoot, name("all")))!)).toHaveLength(4);

    const again = await pull({ reference: `${name("all")}:` });
    expect(summaryOf(again).image.at(-1)).toBe(`Status: Image is up to date for ${name("all")}`);
    expectSameProgress(await pulledByDockerd(`${name("all")}:`, ""), again);
  });

  it("words a repository the registry does not know as dockerd does", async () => {
    const reference = `${registry.host}/nobody-${suffix}/all`;
    const { status, lines } = await dockerdPull(dockerd, reference, "");
    expect(status).toBe(404);
    expect(await pullError({ reference })).toMatchObject({ kind: "not_found", message: messageOf(lines) });
  });
});

describe("pull failures", () => {
  it("words an unknown tag or repository as dockerd does, with its 404", async () => {
    for (const [reference, tag] of [
      [name("a"), "nope"],
      [`${registry.host}/nobody-${suffix}/here`, "1"],
    ] as const) {
      const { status, lines } = await dockerdPull(dockerd, reference, tag);
      expect(status).toBe(404);
      expect(await pullError({ reference, tag })).toMatchObject({ kind: "not_found", message: messageOf(lines) });
    }
  });

  it("refuses a reference dockerd refuses, before asking any registry", async () => {
    expect(await pullError({ reference: "Alpine" })).toMatchObject({
      kind: "invalid_argument",
      message: "invalid reference format: repository name must be lowercase",
    });
    expect(await pullError({ reference: "scratch" })).toMatchObject({ kind: "invalid_argument", message: "'scratch' is a reserved name" });
    expect(await pullError({ reference: name("a"), platform: "linux/" })).toMatchObject({ kind: "invalid_argument" });
  });

  it("registers every layer before refusing one whose content is not the config's diffID, as dockerd does, and keeps nothing", async () => {
    const { config, tars } = await buildImage([3000, 3000]);
    const lie = JSON.parse(config.toString()) as { rootfs: { diff_ids: string[] } };
    lie.rootfs.diff_ids[0] = sha256Digest("not the layer");
    await pushBlobs(
      `${name("mismatch")}:1`,
      Buffer.from(JSON.stringify(lie)),
      tars.map((tar) => gzipSync(tar)),
    );
    const before = await treeOf(stack.dataRoot);
    const ours = await pull({ reference: name("mismatch"), tag: "1" });
    expect(ours.at(-1)).toEqual({ error: "layers from manifest don't match image configuration" });
    expectSameProgress(await pulledByDockerd(name("mismatch"), "1"), ours);
    expect(await treeOf(stack.dataRoot)).toEqual(before);
  });

  it("keeps nothing of a pull whose layer blob is corrupted on the way", async () => {
    const e = await buildImage([200_000]);
    await skopeoPush(e, `${name("e")}:1`, dir);
    const { blobs } = await manifestOf(`${name("e")}:1`);
    const proxy = await startCorruptingProxy(registry.host, blobs[0]!);
    try {
      const before = await treeOf(stack.dataRoot);
      const failed = await pull({ reference: `${name("e", proxy.host)}:1` });
      const message = `filesystem layer verification failed for digest ${blobs[0]}`;
      expect(failed.at(-1)).toEqual({ error: message });
      expect(await treeOf(stack.dataRoot)).toEqual(before);
      const theirs = await pulledByDockerd(name("e", proxy.host), "1");
      expect(theirs.at(-1)?.error).toBe(message);
    } finally {
      await proxy.stop();
    }
  });
});

describe("a registry with Basic auth", () => {
  let secured: TestRegistry;
  const credentials = { username: "puller", password: `pw-${suffix}` };
  beforeAll(async () => {
    const htpasswd = join(dir, "htpasswd");
    await writeFile(htpasswd, `${await htpasswdEntry(credentials.username, credentials.password)}\n`);
    secured = await startRegistry({ htpasswdFile: htpasswd });
    await skopeoPush(a, `${name("a", secured.host)}:1`, dir, `${credentials.username}:${credentials.password}`);
  }, 60_000);
  afterAll(() => secured?.stop());

  it("is refused without credentials, with dockerd's words, and pulled with them", async () => {
    const reference = name("a", secured.host);
    const anonymous = await dockerdPull(dockerd, reference, "1");
    expect(await pullError({ reference, tag: "1" })).toMatchObject({ kind: "internal", message: messageOf(anonymous.lines) });
    const auth = { ...credentials, serverAddress: secured.host };
    const pulled = await pull({ reference, tag: "1", auth: { ...auth, identityToken: "", registryToken: "" } });
    expect(summaryOf(pulled).image.at(-1)).toBe(`Status: Downloaded newer image for ${reference}:1`);
    const theirs = await pulledByDockerd(reference, "1", { ...credentials, serveraddress: secured.host });
    expect(summaryOf(theirs).image.at(-1)).toBe(`Status: Downloaded newer image for ${reference}:1`);
  });

  it("logs in with the right password and refuses a wrong one as dockerd does", async () => {
    const auth = (password: string) => ({
      username: credentials.username,
      password,
      serverAddress: secured.host,
      identityToken: "",
      registryToken: "",
    });
    expect(await stack.client.login({ auth: auth(credentials.password) })).toEqual({ status: "Login Succeeded", identityToken: "" });
    const denied = await dockerdApi(dockerd, "POST", "/auth", {
      body: { username: credentials.username, password: "wrong", serveraddress: secured.host },
    });
    expect(denied.status).toBe(500);
    await expect(stack.client.login({ auth: auth("wrong") })).rejects.toMatchObject({
      kind: "internal",
      message: messageOf(denied.lines),
    });
  });
});

describe("GetRegistryConfig", () => {
  it("is a stock dockerd's RegistryConfig and IndexServerAddress with dockerd's defaults", async () => {
    const { registryConfigJson, indexServerAddress } = await stack.client.getRegistryConfig({});
    const info = (await dockerdApi(dockerd, "GET", "/info")).lines[0] as { RegistryConfig: unknown; IndexServerAddress: string };
    expect(JSON.parse(Buffer.from(registryConfigJson).toString())).toEqual(info.RegistryConfig);
    expect(indexServerAddress).toBe(info.IndexServerAddress);
  });
});
