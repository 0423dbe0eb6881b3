import { randomBytes } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { derivedImageArchive, type DerivedImage } from "./support/derived-images.js";
import { docker, requireDockerCli } from "./support/docker-cli.js";
import { goldenArchive } from "./support/golden.js";
import { call } from "./support/http-client.js";
import { startStack, type Stack } from "./support/stack.js";

/**
 * `docker ps` after the image a container was created from lost the reference it was created with (untagged,
 * the tag moved to another image, removed with -f), against the host's dockerd and Slipway with the same images.
 * On the host dockerd only what this file made is touched: images of its own content, tags and containers
 * named after this run.
 */
const REAL_DOCKERD = "/var/run/docker.sock";
const RUN = randomBytes(4).toString("hex");
const PREFIX = `t25-psimg-${RUN}`;
const LABEL = `t25-psimg=${RUN}`;
const TAG = { a: `${PREFIX}-a:1`, b: `${PREFIX}-b:1`, c: `${PREFIX}-c:1`, alias: `${PREFIX}-alias:1`, moving: `${PREFIX}-moving:1` };
let stack: Stack;
let tmp: string;
const images = {} as Record<"a" | "b" | "c", DerivedImage>;
const hostContainers: string[] = [];
/** `docker ps -a` of this file's containers before the images changed. */
let listedBefore: Awaited<ReturnType<typeof both>>;

const slipway = (...args: string[]) => docker(stack.socketPath, args);
const host = (...args: string[]) => docker(REAL_DOCKERD, args);
const both = async (...args: string[]) => ({ host: await host(...args), slipway: await slipway(...args) });
const shortId = (image: DerivedImage) => image.id.slice("sha256:".length, "sha256:".length + 12);

/** Runs a command that must succeed in both engines. */
async function inBoth(...args: string[]): Promise<void> {
  const result = await both(...args);
  expect(result.host, result.host.stderr).toMatchObject({ code: 0 });
  expect(result.slipway, result.slipway.stderr).toMatchObject({ code: 0 });
}

async function createInBoth(name: string, image: string): Promise<void> {
  hostContainers.push(`${PREFIX}-${name}`);
  await inBoth("create", "--name", `${PREFIX}-${name}`, image);
}

/** This file's containers (their images carry its label), sorted by name: name and Image per line. */
const listed = async (...args: string[]) => {
  const result = await both("ps", "-a", "--filter", `label=${LABEL}`, ...args, "--format", "{{.Names}} {{.Image}}");
  const sorted = (stdout: string) => stdout.split("\n").filter(Boolean).sort().join("\n");
  return { host: { ...result.host, stdout: sorted(result.host.stdout) }, slipway: { ...result.slipway, stdout: sorted(result.slipway.stdout) } };
};

beforeAll(async () => {
  requireDockerCli();
  tmp = mkdtempSync(join(tmpdir(), "engine-api-ps-images-"));
  const golden = goldenArchive(tmp);
  stack = await startStack();
  const [key, value] = LABEL.split("=") as [string, string];
  for (const name of ["a", "b", "c"] as const) {
    images[name] = derivedImageArchive(golden, tmp, { tags: [TAG[name]], labels: { [key]: value }, content: `${RUN}-${name}` });
    for (const engine of [host, slipway]) expect(await engine("load", "-q", "-i", images[name].archive)).toMatchObject({ code: 0 });
  }
  await inBoth("tag", TAG.a, TAG.alias);
  await inBoth("tag", TAG.a, TAG.moving);
  await createInBoth("kept", TAG.a);
  await createInBoth("untagged", TAG.alias);
  await createInBoth("moved", TAG.moving);
  await createInBoth("removed", TAG.c);
  await createInBoth("by-id", shortId(images.a));
  listedBefore = await listed(); // Slipway's engine-api keeps this body until the list version changes
  await inBoth("rmi", TAG.alias);
  await inBoth("tag", TAG.b, TAG.moving);
  await inBoth("rmi", "-f", TAG.c);
}, 120_000);

afterAll(async () => {
  for (const name of hostContainers) await host("rm", "-f", name);
  for (const tag of [TAG.a, TAG.b, TAG.c, TAG.alias, TAG.moving]) await host("rmi", tag);
  for (const image of Object.values(images)) await host("rmi", image.id);
  await stack?.stop();
  if (stack) rmSync(stack.root, { recursive: true, force: true });
  rmSync(tmp, { recursive: true, force: true });
});

describe("docker ps after the image references changed", () => {
  it("showed each container's image as created while its reference still named that image", () => {
    expect(listedBefore.host).toEqual({
      code: 0,
      stdout: [
        `${PREFIX}-by-id ${shortId(images.a)}`,
        `${PREFIX}-kept ${TAG.a}`,
        `${PREFIX}-moved ${TAG.moving}`,
        `${PREFIX}-removed ${TAG.c}`,
        `${PREFIX}-untagged ${TAG.alias}`,
      ].join("\n"),
      stderr: "",
    });
    expect(listedBefore.slipway).toEqual(listedBefore.host);
  });

  it("shows the image ID once the reference names another image or none, as dockerd does (CLI and API)", async () => {
    const after = await listed();
    expect(after.host).toEqual({
      code: 0,
      stdout: [
        `${PREFIX}-by-id ${shortId(images.a)}`,
        `${PREFIX}-kept ${TAG.a}`,
        `${PREFIX}-moved ${shortId(images.a)}`,
        `${PREFIX}-removed ${shortId(images.c)}`,
        `${PREFIX}-untagged ${shortId(images.a)}`,
      ].join("\n"),
      stderr: "",
    });
    expect(after.slipway).toEqual(after.host);
    const untruncated = await listed("--no-trunc");
    expect(untruncated.slipway).toEqual(untruncated.host);
    const path = `/v1.41/containers/json?all=1&filters=${encodeURIComponent(JSON.stringify({ label: [LABEL] }))}`;
    const rowsOf = async (socket: string) => {
      const rows = JSON.parse((await call(socket, "GET", path)).text) as { Names: string[]; Image: string; ImageID: string }[];
      return rows.map((row) => `${row.Names[0]} ${row.Image} ${row.ImageID}`).sort();
    };
    expect(await rowsOf(stack.socketPath)).toEqual(await rowsOf(REAL_DOCKERD));
  });

  it("matches the ancestor filter by the image each value names now, an unknown one matching nothing", async () => {
    const values = [[TAG.a], [TAG.moving], [TAG.b], [TAG.c], [TAG.alias], [images.a.id], [shortId(images.c)], [TAG.c, TAG.b], [`${PREFIX}-nosuch`]];
    for (const ancestors of values) {
      const result = await listed(...ancestors.flatMap((ancestor) => ["--filter", `ancestor=${ancestor}`]));
      expect(result.host.code, ancestors.join()).toBe(0);
      expect(result.slipway, ancestors.join()).toEqual(result.host);
    }
    expect((await listed("--filter", `ancestor=${TAG.a}`)).host.stdout.split("\n")).toHaveLength(4);
  });
});
