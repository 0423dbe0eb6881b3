// `docker push` through image-store's PushImage, against Debian's docker-registry, compared with a throwaway dockerd.
import { createReadStream } from "node:fs";
import { mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { sha256Digest } from "@slipway/docker-spec";
import type { imagestore } from "@slipway/proto";
import { htpasswdEntry, startRegistry, type TestRegistry } from "@slipway/registry-client/testing";
import type { SecondDockerd } from "@slipway/throwaway-dockerd";
import { hmacKey, hmacOf } from "../src/domain/push/candidates.js";
import { DistributionMetadata } from "../src/storage/distribution-metadata.js";
import { savedGolden } from "./fixtures.js";
import { load, startStack, type Stack } from "./harness.js";
import { buildImage, dockerCli, dockerdEvents, imageStoreEvents, skopeoPush, startComparedDockerd } from "./pull-helpers.js";
import { dockerdPush, pushThroughImageStore, skopeoInspect, skopeoRawManifest, summaryOf, type DockerLine, type PushLine } from "./push-helpers.js";

let dir: string;
let registry: TestRegistry;
let stack: Stack;
let dockerd: SecondDockerd;
let golden: { imageId: string; diffIds: string[] };

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), "image-store-push-"));
  const saved = savedGolden(dir);
  [registry, stack, dockerd] = await Promise.all([startRegistry(), startStack(), startComparedDockerd(dir)]);
  await load(stack.client, createReadStream(saved.archive) as AsyncIterable<Buffer>);
  await dockerCli(dockerd, "load", "-q", "-i", saved.archive);
  golden = {
    imageId: saved.imageId,
    diffIds: JSON.parse(await dockerCli(dockerd, "image", "inspect", "golden:1", "--format", "{{json .RootFS.Layers}}")) as string[],
  };
}, 180_000);

afterAll(async () => {
  await dockerd?.stop();
  await stack?.stop();
  await registry?.stop();
  await rm(dir, { recursive: true, force: true });
});

const push = (reference: string, auth?: imagestore.RegistryAuth) => pushThroughImageStore(stack.client, reference, auth);
const tag = (target: string, tagName: string) => stack.client.tagImage({ source: "golden:1", target, tag: tagName });

/** The throwaway dockerd's push of `source` (golden:1) under `name:tag`. */
async function pushedByDockerd(name: string, tagName: string, auth?: object, source = "golden:1"): Promise<DockerLine[]> {
  await dockerCli(dockerd, "tag", source, `${name}:${tagName}`);
  return dockerdPush(dockerd, name, tagName, auth);
}

const topFirst = () => [...golden.diffIds].reverse().map((d) => d.slice("sha256:".length, "sha256:".length + 12));
const layersSaying = (...statuses: string[]) => Object.fromEntries(topFirst().map((id) => [id, statuses]));
const imageStoreRoot = () => join(stack.dataRoot, "image", "overlay2");
const progressOf = (lines: readonly PushLine[]) => lines.filter((l): l is imagestore.ProgressMessage => !("error" in l));
const pushResultOf = (lines: readonly PushLine[]) => progressOf(lines).find((l) => l.pushResult)!.pushResult!;

/** A summary without "The push refers to repository [...]", which names each side's own repository. */
function afterRepositoryLine(lines: readonly (PushLine | DockerLine)[]) {
  const { image, layers } = summaryOf(lines);
  return { image: image.slice(1), layers };
}

/**
 * A summary without the "Waiting" lines. dockerd says "Waiting" for a queued upload only if no slot has freed by
 * the time the upload's goroutine looks (distribution/xfer/upload.go), and a mount frees its slot within
 * milliseconds, so under load dockerd sometimes leaves the line out: a race in dockerd, not a rule to compare.
 */
function withoutWaiting({ image, layers }: ReturnType<typeof afterRepositoryLine>) {
  return { image, layers: Object.fromEntries(Object.entries(layers).map(([id, statuses]) => [id, statuses.filter((s) => s !== "Waiting")])) };
}

describe("push to a plain-HTTP registry", () => {
  let first: PushLine[];
  let dockerdFirst: DockerLine[];
  beforeAll(async () => {
    // dockerd first: once it has pulled what Slipway pushed, its v2 metadata would have it mount the layers instead.
    dockerdFirst = await pushedByDockerd(`${registry.host}/dockerd`, "1");
    await tag(`${registry.host}/x`, "1");
    first = await push(`${registry.host}/x:1`);
  }, 120_000);

  it("reports what dockerd reports: the repository, each layer top first Preparing, Pushing, Pushed, then the digest", () => {
    expect(summaryOf(first)).toEqual({
      image: [`The push refers to repository [${registry.host}/x]`, "1: digest: sha256:<digest> size: <n>", "<push result>"],
      layers: layersSaying("Preparing", "Pushing", "Pushed"),
    });
    expect(afterRepositoryLine(dockerdFirst)).toEqual(afterRepositoryLine(first));
    expect(
      progressOf(first)
        .slice(1, 5)
        .map((l) => l.id),
    ).toEqual(topFirst());
    const pushing = progressOf(first).filter((l) => l.status === "Pushing");
    expect(pushing.every((l) => Number(l.current) > 0)).toBe(true);
  });

  it("logs the push event dockerd logs: the reference as the actor, the repository as its name, the image's labels", async () => {
    const ours = await imageStoreEvents(stack.client, "push");
    expect(ours).toHaveLength(1);
    const theirs = JSON.stringify(await dockerdEvents(dockerd, "push")).replaceAll(`${registry.host}/dockerd`, `${registry.host}/x`);
    expect(ours).toEqual(JSON.parse(theirs));
  });

  it("puts a schema 2 manifest under the tag that skopeo reads and dockerd pulls as the same image", async () => {
    const result = pushResultOf(first);
    expect(result.tag).toBe("1");
    expect(progressOf(first).find((l) => l.status.startsWith("1: digest:"))!.status).toBe(`1: digest: ${result.digest} size: ${result.size}`);
    const manifest = await skopeoRawManifest(`${registry.host}/x:1`);
    expect(sha256Digest(manifest)).toBe(result.digest);
    expect(manifest.length).toBe(result.size);
    const document = JSON.parse(manifest.toString()) as { mediaType: string; layers: { mediaType: string }[]; config: { digest: string } };
    expect(document.mediaType).toBe("application/vnd.docker.distribution.manifest.v2+json");
    expect(document.config.digest).toBe(golden.imageId);
    expect(new Set(document.layers.map((l) => l.mediaType))).toEqual(new Set(["application/vnd.docker.image.rootfs.diff.tar.gzip"]));
    expect((await skopeoInspect(`${registry.host}/x:1`)).Digest).toBe(result.digest);

    // dockerd pulls it cold: the image it loaded goes first, and its tags come back from what it pulled.
    const pulled = `${registry.host}/x:1`;
    await dockerCli(dockerd, "rmi", "-f", golden.imageId);
    expect(await dockerCli(dockerd, "pull", pulled)).toContain("Pull complete");
    expect(await dockerCli(dockerd, "image", "inspect", pulled, "--format", "{{.Id}}")).toBe(golden.imageId);
    expect(JSON.parse(await dockerCli(dockerd, "image", "inspect", pulled, "--format", "{{json .RootFS.Layers}}"))).toEqual(golden.diffIds);
    for (const tag of ["golden:1", `${registry.host}/dockerd:1`]) await dockerCli(dockerd, "tag", pulled, tag);
  });

  it("records each layer's blob in the v2 metadata under the target, HMAC-tagged, and the manifest digest reference", async () => {
    const metadata = new DistributionMetadata(imageStoreRoot());
    const { Layers: blobs } = await skopeoInspect(`${registry.host}/x:1`);
    const name = `${registry.host}/x`;
    for (const [i, diffId] of golden.diffIds.entries()) {
      const digest = blobs[i]!;
      expect(await metadata.v2Metadata(diffId)).toEqual([{ digest, sourceRepository: name, hmac: hmacOf(hmacKey({}), digest, name) }]);
      expect(await metadata.diffIdOf(digest)).toBe(diffId);
    }
    const repositories = JSON.parse(await readFile(join(imageStoreRoot(), "repositories.json"), "utf8")) as { Repositories: Record<string, object> };
    expect(repositories.Repositories[name]).toEqual({ [`${name}:1`]: golden.imageId, [`${name}@${pushResultOf(first).digest}`]: golden.imageId });
  });

  it("tags the v2 metadata with the HMAC dockerd computes, and writes it in dockerd's format", async () => {
    const dockerdRoot = join(dockerd.dataRoot, "image", "overlay2");
    const theirs = new DistributionMetadata(dockerdRoot);
    const copy = new DistributionMetadata(join(dir, "copy"));
    const listFile = (root: string, diffId: string) => join(root, "distribution", "v2metadata-by-diffid", "sha256", diffId.slice("sha256:".length));
    const name = `${registry.host}/dockerd`;
    for (const diffId of golden.diffIds) {
      const entries = await theirs.v2Metadata(diffId);
      const pushed = entries.find((e) => e.sourceRepository === name)!;
      expect(pushed.hmac).toBe(hmacOf(hmacKey({}), pushed.digest, name));
      for (const entry of entries) await copy.add(diffId, entry);
      expect(await readFile(listFile(join(dir, "copy"), diffId), "utf8")).toBe(await readFile(listFile(dockerdRoot, diffId), "utf8"));
    }
  });

  it("finds every layer in the repository on a second push, as dockerd does", async () => {
    const again = await push(`${registry.host}/x:1`);
    expect(summaryOf(again).layers).toEqual(layersSaying("Preparing", "Layer already exists"));
    expect(pushResultOf(again)).toEqual(pushResultOf(first));
    expect(afterRepositoryLine(await pushedByDockerd(`${registry.host}/dockerd`, "1"))).toEqual(afterRepositoryLine(again));
  });

  it("mounts the layers from the repository it pushed them to when pushing to another one, as dockerd does", async () => {
    await tag(`${registry.host}/y`, "1");
    const mounted = await push(`${registry.host}/y:1`);
    expect(summaryOf(mounted).layers).toEqual(layersSaying("Preparing", "Mounted from x"));
    expect(pushResultOf(mounted).digest).toBe(pushResultOf(first).digest);
    const dockerd = await pushedByDockerd(`${registry.host}/dockerd-copy`, "1");
    expect(summaryOf(dockerd).layers).toEqual(layersSaying("Preparing", "Mounted from dockerd"));
  });

  it("pushes every tag of a bare name in order, the second finding the layers the first pushed", async () => {
    await tag(`${registry.host}/z`, "a");
    await tag(`${registry.host}/z`, "b");
    const lines = await push(`${registry.host}/z`);
    expect(summaryOf(lines).image).toEqual([
      `The push refers to repository [${registry.host}/z]`,
      "a: digest: sha256:<digest> size: <n>",
      "<push result>",
      "b: digest: sha256:<digest> size: <n>",
      "<push result>",
    ]);
    const second = lines.slice(progressOf(lines).findIndex((l) => l.pushResult) + 1);
    expect(summaryOf(second).layers).toEqual(layersSaying("Preparing", "Layer already exists"));
  });

  it("has the layers beyond five wait, and mounts layers it pulled from the registry, as dockerd does", async () => {
    const image = await buildImage([100, 200, 300, 400, 500, 600, 700]);
    const source = `${registry.host}/source:1`;
    await skopeoPush(image, source, dir);
    await dockerCli(dockerd, "pull", "-q", source);
    for await (const message of stack.client.pullImage({ reference: source, tag: "", platform: "" })) void message;
    await stack.client.tagImage({ source, target: `${registry.host}/many`, tag: "1" });
    const ours = await push(`${registry.host}/many:1`);
    const bottomTwo = [image.diffIds[1]!, image.diffIds[0]!].map((d) => d.slice("sha256:".length, "sha256:".length + 12));
    expect(bottomTwo.map((id) => summaryOf(ours).layers[id])).toEqual([
      ["Preparing", "Waiting", "Mounted from source"],
      ["Preparing", "Waiting", "Mounted from source"],
    ]);
    const theirs = await pushedByDockerd(`${registry.host}/dockerd-many`, "1", {}, source);
    expect(withoutWaiting(afterRepositoryLine(theirs))).toEqual(withoutWaiting(afterRepositoryLine(ours)));
  });

  it("fails as dockerd does for references it cannot push", async () => {
    const host = registry.host;
    expect(summaryOf(await push(`${host}/nothing:1`)).image).toEqual([
      `The push refers to repository [${host}/nothing]`,
      `error: An image does not exist locally with the tag: ${host}/nothing`,
    ]);
    expect(summaryOf(await push(`${host}/x:9`)).image.at(-1)).toBe(`error: tag does not exist: ${host}/x:9`);
    expect(summaryOf(await push(`${host}/x@${golden.imageId}`)).image.at(-1)).toBe("error: cannot push a digest reference");
    expect(summaryOf(await dockerdPush(dockerd, `${host}/x`, "9")).image.at(-1)).toBe(`error: tag does not exist: ${host}/x:9`);
  });
});

describe("push to a registry with htpasswd Basic auth", () => {
  let secured: TestRegistry;
  const credentials = { username: "pusher", password: "s3cret" };

  beforeAll(async () => {
    const htpasswd = join(dir, "htpasswd");
    await writeFile(htpasswd, `${await htpasswdEntry(credentials.username, credentials.password)}\n`);
    secured = await startRegistry({ htpasswdFile: htpasswd });
    await tag(`${secured.host}/x`, "1");
  }, 60_000);

  afterAll(async () => {
    await secured?.stop();
  });

  it("pushes with the credentials, and the pushed manifest reads back with them", async () => {
    const lines = await push(`${secured.host}/x:1`, { ...credentials, identityToken: "", registryToken: "", serverAddress: secured.host });
    expect(summaryOf(lines).layers).toEqual(layersSaying("Preparing", "Pushing", "Pushed"));
    const creds = `--creds=${credentials.username}:${credentials.password}`;
    expect((await skopeoInspect(`${secured.host}/x:1`, creds)).Digest).toBe(pushResultOf(lines).digest);
  });

  it("fails without credentials with dockerd's error", async () => {
    const lines = await push(`${secured.host}/x:1`);
    const error = summaryOf(await pushedByDockerd(`${secured.host}/x`, "1")).image.at(-1)!;
    // dockerd's transfer manager reports the cause of Go's url.Error alone.
    expect(error).toBe("error: no basic auth credentials");
    expect(summaryOf(lines).image.at(-1)).toBe(error);
  });
});
