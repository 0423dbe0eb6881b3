import { randomBytes } from "node:crypto";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { derivedImageArchive, type DerivedImage } from "./support/derived-images.js";
import { docker, requireDockerCli } from "./support/docker-cli.js";
import { goldenArchive } from "./support/golden.js";
import { call } from "./support/http-client.js";
import { startStack, type Stack } from "./support/stack.js";

/**
 * `docker system df` against the host's dockerd and Slipway holding the same objects: two images on golden:1's
 * layers with a layer of their own each, containers of them (one with files copied in), a named volume two of
 * them mount, an unused one, one with mount options, and an anonymous one. The host has other objects too, so
 * only this run's rows are compared; every name starts with t24-df- and afterAll removes them from the host.
 */
const REAL_DOCKERD = "/var/run/docker.sock";
const REAL_DATA_ROOT = "/var/lib/docker";
const RUN = `t24-df-${randomBytes(4).toString("hex")}`;
const NAMED = `${RUN}-named`;
const UNUSED = `${RUN}-unused`;
const TMPFS = `${RUN}-tmpfs`;
/** Containers: files copied into its RW layer and its named volume; an anonymous volume; sharing the named volume. */
const [FILES, PLAIN, SHARING] = ["files", "plain", "sharing"].map((suffix) => `${RUN}-${suffix}`) as [string, string, string];

let stack: Stack;
let tmp: string;
let images: { a: DerivedImage; b: DerivedImage };
const hostImages: string[] = [];

type Row = Record<string, unknown>;
interface DiskUsage {
  LayersSize: number;
  Images: Row[];
  Containers: Row[];
  Volumes: Row[];
  BuildCache: unknown;
  BuilderSize: number;
}

const engines = () => [REAL_DOCKERD, stack.socketPath] as const;

async function onBoth(...args: string[]): Promise<void> {
  for (const engine of engines()) expect(await docker(engine, args), `docker ${args.join(" ")}`).toMatchObject({ code: 0 });
}

beforeAll(async () => {
  requireDockerCli();
  tmp = mkdtempSync(join(tmpdir(), "engine-api-df-"));
  stack = await startStack();
  const golden = goldenArchive(tmp);
  const derive = (image: string, content: string) =>
    derivedImageArchive(golden, tmp, { tags: [`${RUN}-${image}:1`], labels: { "t24-df": RUN }, content: `${RUN}-${content}` });
  images = { a: derive("a", "a"), b: derive("b", "bb") };
  for (const image of [images.a, images.b]) {
    hostImages.push(image.id);
    await onBoth("load", "-q", "-i", image.archive);
  }
  await onBoth("volume", "create", NAMED);
  await onBoth("volume", "create", UNUSED);
  await onBoth("volume", "create", "-o", "type=tmpfs", "-o", "device=tmpfs", TMPFS);
  await onBoth("create", "--name", FILES, "-v", `${NAMED}:/data`, `${RUN}-a:1`);
  await onBoth("create", "--name", PLAIN, `${RUN}-a:1`);
  await onBoth("create", "--name", SHARING, "-v", `${NAMED}:/data`, "-v", `${TMPFS}:/scratch`, `${RUN}-b:1`);
  writeFileSync(join(tmp, "rw.txt"), "r".repeat(5000));
  writeFileSync(join(tmp, "volume.txt"), "v".repeat(3000));
  await onBoth("cp", join(tmp, "rw.txt"), `${FILES}:/srv/`);
  await onBoth("cp", join(tmp, "volume.txt"), `${FILES}:/data/`);
}, 120_000);

afterAll(async () => {
  for (const name of [FILES, PLAIN, SHARING]) await docker(REAL_DOCKERD, ["rm", "-v", name]);
  for (const name of [NAMED, UNUSED, TMPFS]) await docker(REAL_DOCKERD, ["volume", "rm", name]);
  for (const id of hostImages) await docker(REAL_DOCKERD, ["rmi", id]);
  await stack?.stop();
  if (stack) rmSync(stack.root, { recursive: true, force: true });
  if (tmp) rmSync(tmp, { recursive: true, force: true });
}, 60_000);

async function diskUsageOf(engine: string, query = ""): Promise<DiskUsage> {
  const reply = await call(engine, "GET", `/v1.41/system/df${query}`);
  expect(reply.status, reply.text).toBe(200);
  return JSON.parse(reply.text) as DiskUsage;
}

/** This run's rows of a GET /system/df answer, with what differs between engines by nature (IDs, times, the data root) replaced. */
function ownRows(usage: DiskUsage, dataRoot: string) {
  const containers = usage.Containers.filter((c) => (c.Names as string[]).some((name) => name.startsWith(`/${RUN}-`)));
  const anonymous = new Map<string, string>();
  for (const container of containers) {
    for (const mount of container.Mounts as Row[]) {
      if (/^[0-9a-f]{64}$/.test(mount.Name as string)) anonymous.set(mount.Name as string, `<anonymous of ${(container.Names as string[])[0]}>`);
    }
  }
  const volumeName = (name: string) => anonymous.get(name) ?? name;
  return {
    // Both images have the same creation time, which is all dockerd orders them by.
    images: usage.Images.filter((i) => ((i.RepoTags as string[] | null) ?? []).some((tag) => tag.startsWith(`${RUN}-`))).sort(sortedBy("Id")),
    containers: containers
      .map((c): Row => ({
        ...c,
        Id: "<id>",
        Created: "<time>",
        Mounts: (c.Mounts as Row[]).map((m) => comparableMount(m, volumeName, dataRoot)).sort(sortedBy("Destination")),
      }))
      .sort(sortedBy("Names")),
    volumes: usage.Volumes.filter((v) => (v.Name as string).startsWith(`${RUN}-`) || anonymous.has(v.Name as string))
      .map((v): Row => ({
        ...v,
        Name: volumeName(v.Name as string),
        CreatedAt: "<time>",
        Mountpoint: (v.Mountpoint as string).replace(dataRoot, "<data root>").replace(v.Name as string, volumeName(v.Name as string)),
      }))
      .sort(sortedBy("Name")),
  };
}

/** Orders rows by one of their fields (dockerd lists a container's mounts in Go's random map order). */
const sortedBy = (key: string) => (x: Row, y: Row) => String(x[key]).localeCompare(String(y[key]));

/** A container's volume mount with its name (when anonymous) and the data root in its source replaced. */
function comparableMount(mount: Row, volumeName: (name: string) => string, dataRoot: string): Row {
  const name = mount.Name as string;
  return { ...mount, Name: volumeName(name), Source: (mount.Source as string).replace(dataRoot, "<data root>").replace(name, volumeName(name)) };
}

describe("GET /system/df", () => {
  it("answers this run's images, containers and volumes as dockerd 20.10 computes them", async () => {
    const [real, ours] = [await diskUsageOf(REAL_DOCKERD), await diskUsageOf(stack.socketPath)];
    expect(Object.keys(ours)).toEqual(Object.keys(real));
    const expected = ownRows(real, REAL_DATA_ROOT);
    expect(ownRows(ours, stack.dataRoot)).toEqual(expected);

    const [a, b] = [images.a, images.b].map((image) => expected.images.find((row) => row.Id === image.id)!);
    // The two images share golden:1's layers and nothing else; a has two containers, b one.
    expect(a).toMatchObject({ Containers: 2, SharedSize: b!.SharedSize });
    expect(b).toMatchObject({ Containers: 1 });
    expect(a!.SharedSize).toBeGreaterThan(0);
    expect(a!.Size).toBeGreaterThan(a!.SharedSize as number);
    expect(expected.containers.find((c) => (c.Names as string[]).includes(`/${FILES}`))).toMatchObject({ SizeRw: 5000 });
    expect(expected.volumes.map((v) => [v.Name, v.UsageData])).toEqual([
      [`<anonymous of /${PLAIN}>`, { RefCount: 1, Size: expect.any(Number) }],
      [NAMED, { RefCount: 2, Size: 3000 }],
      [UNUSED, { RefCount: 0, Size: 0 }],
    ]);
    // Slipway holds only this run's objects: its layers are the two images' layers, each once.
    const unique = (image: Row) => (image.Size as number) - (image.SharedSize as number);
    expect(ours.LayersSize).toBe((a!.SharedSize as number) + unique(a!) + unique(b!));
    expect({ BuildCache: ours.BuildCache, BuilderSize: ours.BuilderSize }).toEqual({ BuildCache: null, BuilderSize: 0 });
  });

  it("ignores the type parameter, which dockerd 20.10 does not read (it came with API 1.42)", async () => {
    const [real, ours] = [await diskUsageOf(REAL_DOCKERD, "?type=volume"), await diskUsageOf(stack.socketPath, "?type=volume")];
    expect(Object.keys(ours)).toEqual(Object.keys(real));
    expect(ownRows(ours, stack.dataRoot).images).toEqual(ownRows(real, REAL_DATA_ROOT).images);
  });
});

describe("docker system df", () => {
  /** `docker system df -v --format '{{json .}}'`'s rows of this run, made comparable as ownRows does. */
  async function verboseRows(engine: string, dataRoot: string) {
    const result = await docker(engine, ["system", "df", "-v", "--format", "{{json .}}"]);
    expect(result, result.stderr).toMatchObject({ code: 0, stderr: "" });
    const rows = JSON.parse(result.stdout) as Record<"Images" | "Containers" | "Volumes", Row[]>;
    const anonymous = new Map<string, string>();
    const containers = rows.Containers.filter((c) => (c.Names as string).startsWith(`${RUN}-`));
    for (const c of containers)
      for (const name of (c.Mounts as string).split(",")) if (/^[0-9a-f]{64}$/.test(name)) anonymous.set(name, `<anonymous of ${c.Names}>`);
    const rename = (text: string) => [...anonymous].reduce((out, [name, placeholder]) => out.split(name).join(placeholder), text);
    return {
      images: rows.Images.filter((i) => (i.Repository as string).startsWith(`${RUN}-`)).sort(sortedBy("ID")),
      containers: containers
        .map((c): Row => ({
          ...c,
          ID: "<id>",
          CreatedAt: "<time>",
          RunningFor: "<time>",
          Mounts: rename(c.Mounts as string)
            .split(",")
            .sort()
            .join(","),
        }))
        .sort(sortedBy("Names")),
      volumes: rows.Volumes.filter((v) => (v.Name as string).startsWith(`${RUN}-`) || anonymous.has(v.Name as string))
        .map((v): Row => ({ ...v, Name: rename(v.Name as string), Mountpoint: rename((v.Mountpoint as string).replace(dataRoot, "<data root>")) }))
        .sort(sortedBy("Name")),
    };
  }

  it("-v prints this run's rows as it prints dockerd's", async () => {
    const real = await verboseRows(REAL_DOCKERD, REAL_DATA_ROOT);
    expect(real.images).toHaveLength(2);
    expect(real.containers).toHaveLength(3);
    expect(real.volumes).toHaveLength(3);
    expect(await verboseRows(stack.socketPath, stack.dataRoot)).toEqual(real);
  });

  it("prints the summary table in dockerd's shape, with Slipway's totals of this run's objects", async () => {
    const [real, ours] = [await docker(REAL_DOCKERD, ["system", "df"]), await docker(stack.socketPath, ["system", "df"])];
    expect(real).toMatchObject({ code: 0, stderr: "" });
    expect(ours).toMatchObject({ code: 0, stderr: "" });
    const [realLines, ourLines] = [real.stdout, ours.stdout].map((text) => text.trimEnd().split("\n"));
    expect(ourLines[0]).toBe(realLines![0]);
    const columns = (line: string) => line.split(/ {2,}/);
    expect(ourLines!.map((line) => columns(line)[0])).toEqual(realLines!.map((line) => columns(line)[0]));
    expect(ourLines!.slice(1).map((line) => columns(line).slice(0, 3))).toEqual([
      ["Images", "2", "2"],
      ["Containers", "3", "0"],
      ["Local Volumes", "3", "2"],
      ["Build Cache", "0", "0"],
    ]);
  });
});
