import { randomBytes } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { derivedImageArchive, type DerivedImage } from "./support/derived-images.js";
import { docker, requireDockerCli } from "./support/docker-cli.js";
import { archiveImageId, goldenArchive } from "./support/golden.js";
import { call } from "./support/http-client.js";
import { startStack, type Stack } from "./support/stack.js";

/**
 * docker history, docker image prune, the order of an image's RepoTags and create --platform, each run
 * against the host's dockerd and Slipway with the same images. On the host dockerd only what this file made
 * is touched: its prunes always carry this run's unique label, and never dangling=false.
 */
const REAL_DOCKERD = "/var/run/docker.sock";
const RUN = randomBytes(4).toString("hex");
const PREFIX = `t25-img-${RUN}`;
const LABEL = `t25-img=${RUN}`;
let stack: Stack;
let tmp: string;
let archive: string;
let derived: DerivedImage;
const hostTags: string[] = [];
const hostImages: string[] = [];
const hostContainers: string[] = [];
/** Dangling images the host prunes leave behind: one labelled keep=yes, one a container uses. */
const leftovers: { kept?: DerivedImage; used?: DerivedImage } = {};

const slipway = (...args: string[]) => docker(stack.socketPath, args);
const host = (...args: string[]) => docker(REAL_DOCKERD, args);
const both = async (...args: string[]) => ({ host: await host(...args), slipway: await slipway(...args) });

/** Loads an archive into both engines; what the host got is removed in afterAll. */
async function loadIntoBoth(image: DerivedImage, tags: readonly string[] = []): Promise<void> {
  hostImages.push(image.id);
  hostTags.push(...tags);
  for (const engine of [host, slipway]) expect(await engine("load", "-q", "-i", image.archive)).toMatchObject({ code: 0 });
}

function derive(tags: readonly string[], content: string, labels: Record<string, string> = {}): DerivedImage {
  const [key, value] = LABEL.split("=") as [string, string];
  return derivedImageArchive(archive, tmp, { tags, labels: { [key]: value, ...labels }, content: `${RUN}-${content}` });
}

beforeAll(async () => {
  requireDockerCli();
  tmp = mkdtempSync(join(tmpdir(), "engine-api-images-"));
  archive = goldenArchive(tmp);
  stack = await startStack();
  expect(await slipway("load", "-q", "-i", archive)).toMatchObject({ code: 0 });
  derived = derive([`${PREFIX}-derived:1`], "derived");
  await loadIntoBoth(derived, [`${PREFIX}-derived:1`]);
}, 120_000);

afterAll(async () => {
  for (const name of hostContainers) await host("rm", "-f", name);
  for (const tag of hostTags) await host("rmi", tag);
  for (const id of hostImages) await host("rmi", id);
  await stack?.stop();
  if (stack) rmSync(stack.root, { recursive: true, force: true });
  rmSync(tmp, { recursive: true, force: true });
});

describe("docker history", () => {
  const formats = [[], ["--no-trunc"], ["-q"], ["--format", "{{json .}}"], ["-H=false"], ["-q", "--no-trunc"]];

  it.each(formats)("prints what dockerd prints for an image on golden:1's layers (%s)", async (...format) => {
    const { host: real, slipway: ours } = await both("history", ...format, `${PREFIX}-derived:1`);
    expect(real.code).toBe(0);
    expect(ours).toEqual(real);
  });

  it("answers GET /images/{name}/history with dockerd's body, byte for byte", async () => {
    const path = `/v1.41/images/${PREFIX}-derived:1/history`;
    const real = await call(REAL_DOCKERD, "GET", path);
    expect(real.status).toBe(200);
    const ours = await call(stack.socketPath, "GET", path);
    expect({ status: ours.status, text: ours.text }).toEqual({ status: real.status, text: real.text });
  });

  it("answers for golden:1 as dockerd does, but for the parent images of the build dockerd made it from", async () => {
    type Entry = { Id: string; Tags: string[] | null };
    const real = JSON.parse((await call(REAL_DOCKERD, "GET", "/v1.41/images/golden:1/history")).text) as Entry[];
    const ours = JSON.parse((await call(stack.socketPath, "GET", "/v1.41/images/golden:1/history")).text) as Entry[];
    // The host built golden:1, so dockerd names (and tags: bb:latest) the parents of its build; a loaded image has
    // none. The registry tests push golden:1 from the host meanwhile, under 127.0.0.1:<port>/… tags of their own.
    expect(real.length).toBeGreaterThan(1);
    const top = { ...real[0]!, Tags: real[0]!.Tags?.filter((tag) => !tag.startsWith("127.0.0.1:")) ?? null };
    expect(ours).toEqual(real.map((entry, i) => (i === 0 ? top : { ...entry, Id: "<missing>", Tags: null })));
  });

  it("names an unknown image as dockerd does", async () => {
    const { host: real, slipway: ours } = await both("history", `${PREFIX}-nosuch`);
    expect(real.code).toBe(1);
    expect(ours).toEqual(real);
  });
});

describe("GET /images/json's RepoTags", () => {
  it("orders an image's tags as dockerd does, whatever the order they were added in", async () => {
    const tags = [`zeta/${PREFIX}:1`, `${PREFIX}-b:1`, `localhost:5000/${PREFIX}:1`, `${PREFIX}-a:2`, `abc/${PREFIX}:1`, `quay.io/t25/${PREFIX}:1`];
    hostTags.push(...tags);
    for (const tag of tags) for (const engine of [host, slipway]) expect(await engine("tag", derived.id, tag)).toMatchObject({ code: 0 });
    const filter = encodeURIComponent(JSON.stringify({ label: [LABEL] }));
    const repoTags = async (socket: string) =>
      (JSON.parse((await call(socket, "GET", `/v1.41/images/json?filters=${filter}`)).text) as { Id: string; RepoTags: string[] }[]).find(
        (row) => row.Id === derived.id,
      )?.RepoTags;
    const real = await repoTags(REAL_DOCKERD);
    expect(real).toHaveLength(tags.length + 1);
    expect(await repoTags(stack.socketPath)).toEqual(real);
    const inspect = await both("image", "inspect", "--format", "{{json .RepoTags}}", derived.id);
    expect(inspect.slipway).toEqual(inspect.host);
  });
});

describe("docker image prune", () => {
  const prune = (...filters: string[]) => both("image", "prune", "-f", "--filter", `label=${LABEL}`, ...filters.flatMap((f) => ["--filter", f]));

  it("removes a dangling image with its own layer, and reports the space as dockerd does", async () => {
    const image = derive([], "dangling");
    await loadIntoBoth(image);
    const { host: real, slipway: ours } = await prune();
    expect(real.stdout).toContain(`deleted: ${image.id}\n`);
    expect(ours).toEqual(real);
  });

  it("keeps what label!, until and a container using it keep, as dockerd does", async () => {
    const kept = derive([], "kept", { keep: "yes" });
    const used = derive([], "used");
    const gone = derive([], "gone");
    Object.assign(leftovers, { kept, used });
    for (const image of [kept, used, gone]) await loadIntoBoth(image);
    for (const engine of [host, slipway]) expect(await engine("create", "--name", `${PREFIX}-user`, used.id)).toMatchObject({ code: 0 });
    hostContainers.push(`${PREFIX}-user`);
    const before = await prune("until=2026-01-01T00:00:00Z");
    expect(before.host.stdout).toBe("Total reclaimed space: 0B\n");
    expect(before.slipway).toEqual(before.host);
    const { host: real, slipway: ours } = await prune("label!=keep", "until=2026-01-03");
    expect(real.stdout).toContain(`deleted: ${gone.id}\n`);
    expect(real.stdout).not.toContain(kept.id);
    expect(real.stdout).not.toContain(used.id);
    expect(ours).toEqual(real);
  });

  it.each([
    ["an unknown filter", { label: [LABEL], nosuch: ["x"] }],
    ["a bad dangling value", { label: [LABEL], dangling: ["maybe"] }],
    ["two until values", { label: [LABEL], until: ["1h", "2h"] }],
    ["an until that is no time", { label: [LABEL], until: ["soon"] }],
  ])("refuses %s with dockerd's status and message", async (_, filters) => {
    const path = `/v1.41/images/prune?filters=${encodeURIComponent(JSON.stringify(filters))}`;
    const real = await call(REAL_DOCKERD, "POST", path);
    expect(real.status).toBeGreaterThanOrEqual(400);
    const ours = await call(stack.socketPath, "POST", path);
    expect({ status: ours.status, text: ours.text }).toEqual({ status: real.status, text: real.text });
  });
});

describe("docker create --platform", () => {
  const create = (socket: string, platform: string, name: string) =>
    call(socket, "POST", `/v1.41/containers/create?name=${name}&platform=${encodeURIComponent(platform)}`, {
      body: JSON.stringify({ Image: "golden:1" }),
      headers: { "Content-Type": "application/json" },
    });

  it.each([["linux/arm64"], ["linux/arm/v7"], ["windows"], ["linux/amd 64"], ["plan10"]])(
    "answers %s for an amd64 image with dockerd's status and message",
    async (platform) => {
      const real = await create(REAL_DOCKERD, platform, `${PREFIX}-refused`);
      expect(real.status).toBeGreaterThanOrEqual(400);
      const ours = await create(stack.socketPath, platform, `${PREFIX}-refused`);
      expect({ status: ours.status, text: ours.text }).toEqual({ status: real.status, text: real.text });
    },
  );

  it("creates from the image for its own platform", async () => {
    hostContainers.push(`${PREFIX}-amd64`);
    for (const socket of [REAL_DOCKERD, stack.socketPath]) expect((await create(socket, "linux/amd64", `${PREFIX}-amd64`)).status).toBe(201);
  });
});

/** Prunes without this run's label would touch other images on the host dockerd: these run on Slipway alone. */
describe("docker image prune on Slipway alone, as dockerd's rules have it", () => {
  const images = async () =>
    (await slipway("images", "-a", "--format", "{{.Repository}}:{{.Tag}} {{.ID}}")).stdout.split("\n").filter(Boolean).sort();
  const lines = (stdout: string) => stdout.split("\n").filter((line) => line.startsWith("untagged: ") || line.startsWith("deleted: "));

  it("removes every dangling image no container uses, and no tagged one", async () => {
    const dangling = derive([], "alone-dangling");
    const tagged = derive([`${PREFIX}-alone:1`], "alone-tagged");
    for (const image of [dangling, tagged]) expect(await slipway("load", "-q", "-i", image.archive)).toMatchObject({ code: 0 });
    const r = await slipway("image", "prune", "-f");
    expect(r.code).toBe(0);
    const deletedImages = lines(r.stdout).filter((line) =>
      [dangling, tagged, leftovers.kept!, leftovers.used!, derived].some((i) => line === `deleted: ${i.id}`),
    );
    expect(deletedImages.sort()).toEqual([`deleted: ${dangling.id}`, `deleted: ${leftovers.kept!.id}`].sort());
    expect(r.stdout).toMatch(/\nTotal reclaimed space: \d+(\.\d+)?[kMG]?B\n$/);
    expect(await images()).toContain(`${PREFIX}-alone:1 ${tagged.id.slice(7, 19)}`);
    expect(await images()).toContain(`<none>:<none> ${leftovers.used!.id.slice(7, 19)}`);
  });

  it("with -a removes every image no container uses; of an image in use with two tags, one tag goes", async () => {
    expect(await slipway("tag", "golden:1", `${PREFIX}-golden:1`)).toMatchObject({ code: 0 });
    const r = await slipway("image", "prune", "-a", "-f");
    expect(r.code).toBe(0);
    // golden:1's references in dockerd's order: docker.io/library/golden:1 first, untagged; the last one is
    // a single reference of an image a container uses, which is a conflict, so it stays.
    expect(lines(r.stdout)).toContain("untagged: golden:1");
    expect(lines(r.stdout)).toContain(`untagged: ${PREFIX}-derived:1`);
    expect(lines(r.stdout)).toContain(`deleted: ${derived.id}`);
    const left = await images();
    expect(left).toHaveLength(2);
    expect(left).toContain(`${PREFIX}-golden:1 ${archiveImageId(archive).slice(7, 19)}`);
    expect(left.filter((row) => row.startsWith("<none>:<none> "))).toHaveLength(1);
  });
});
