import { execFileSync } from "node:child_process";
import { mkdirSync, mkdtempSync, readdirSync, rmSync, statfsSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Readable } from "node:stream";
import { startRegistry, type TestRegistry } from "@slipway/registry-client/testing";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { EngineClient } from "../bench/engine-client.js";
import { putBigImage, type RegistryImage } from "../bench/registry-image.js";
import { checkDataRoot } from "../fsck/checks.js";
import { readDataRoot } from "../fsck/data-root.js";
import { sampleImage } from "../sample-image/sample-image.js";
import { expectDiskError, seededEngine } from "../../test/support/disk-error.js";
import { startLocalStack, type LocalStack } from "./local-stack.js";

// The data root on a small tmpfs of its own: filled up, then remounted read-only. Slipway must answer
// with the system's words (dockerd's "no space left on device", "read-only file system"), keep serving
// reads, leave nothing half-written, and work again once the disk does.

const TMPFS_BYTES = 48 << 20;
let root: string;
let dataRoot: string;
let stack: LocalStack;
let engine: EngineClient;

const mount = (...args: string[]) => execFileSync("mount", args);
const create = (name: string) => engine.call("POST", `/containers/create?name=${name}`, JSON.stringify({ Image: "slipway-sample:1" }));
const load = (archive: Buffer) => engine.call("POST", "/images/load?quiet=1", Readable.from([archive]), "application/x-tar");
const pull = (image: RegistryImage) =>
  engine.call("POST", `/images/create?fromImage=${encodeURIComponent(image.repository)}&tag=${encodeURIComponent(image.tag)}`);
const problems = () => checkDataRoot(readDataRoot(dataRoot)).problems.map((p) => `${p.check}: ${p.subject}: ${p.detail}`);

beforeAll(async () => {
  root = mkdtempSync(join(tmpdir(), "slipway-disk-"));
  dataRoot = join(root, "data");
  mkdirSync(dataRoot);
  mount("-t", "tmpfs", "-o", `size=${TMPFS_BYTES}`, "tmpfs", dataRoot);
  stack = await startLocalStack(root);
  engine = await seededEngine(stack.socketPath);
}, 90_000);

afterAll(async () => {
  engine?.close();
  await stack?.stop();
  execFileSync("umount", [dataRoot]);
  rmSync(root, { recursive: true, force: true });
}, 30_000);

describe("a data root whose disk fills up", () => {
  const filler = () => join(dataRoot, "filler");

  it("refuses creates and loads with 'no space left on device', keeps serving reads, and leaves nothing half-written", async () => {
    const { bavail, bsize } = statfsSync(dataRoot);
    writeFileSync(filler(), Buffer.alloc(Number(bavail) * Number(bsize)));
    for (let i = 0; i < 3; i++) expectDiskError(await create(`full-${i}`), "no space left on device", dataRoot);
    expectDiskError(await load(sampleImage("slipway-other:1").archive), "no space left on device", dataRoot);
    expect((await engine.call("GET", "/containers/before/json")).status).toBe(200);
    expect(JSON.parse((await engine.call("GET", "/containers/json?all=1")).body)).toHaveLength(1);
    expect(problems()).toEqual([]);
  });

  it("works again once space is freed", async () => {
    rmSync(filler());
    expect((await create("after-full")).status).toBe(201);
    expect((await load(sampleImage("slipway-other:1").archive)).status).toBe(200);
    expect(problems()).toEqual([]);
  });
});

describe("a pull onto a full disk", () => {
  const filler = () => join(dataRoot, "filler");
  let registry: TestRegistry;
  let image: RegistryImage;

  beforeAll(async () => {
    registry = await startRegistry();
    image = await putBigImage(registry, root, { totalMiB: 4, smallFiles: 64, largeFiles: 2, smallFileLayers: 1, largeFileLayers: 2 }, "1");
  }, 60_000);

  afterAll(async () => {
    rmSync(filler(), { force: true });
    await registry?.stop();
  });

  const layerDirectories = () => ["overlay2", "image/overlay2/layerdb/sha256"].flatMap((dir) => readdirSync(join(dataRoot, dir)).sort());
  const listed = async () =>
    (JSON.parse((await engine.call("GET", "/images/json")).body) as { RepoTags: string[] | null }[]).flatMap((i) => i.RepoTags ?? []);

  it("fails with an error line after the progress lines, leaves no layer or image, and keeps serving", async () => {
    const layersBefore = layerDirectories();
    const { bavail, bsize } = statfsSync(dataRoot);
    writeFileSync(filler(), Buffer.alloc(Number(bavail) * Number(bsize)));
    const reply = await pull(image);
    expectDiskError(reply, "no space left on device", dataRoot);
    const lines = reply.body
      .trim()
      .split("\n")
      .map((line) => JSON.parse(line) as Record<string, unknown>);
    const last = lines.at(-1)!;
    // dockerd's download manager words a layer that cannot be written "failed to register layer: <Go's os.PathError>".
    expect(last.error).toMatch(/^failed to register layer: [a-z]+ \/[^ ]+: no space left on device$/);
    expect(Object.keys(last)).toEqual(["errorDetail", "error"]);
    expect(last.errorDetail).toEqual({ message: last.error });
    expect(lines[0]).toEqual({ status: `Pulling from ${image.repository.slice(registry.host.length + 1)}`, id: image.tag });
    expect(
      lines.slice(0, -1).every((line) => !("error" in line)),
      reply.body,
    ).toBe(true);
    expect(await listed()).not.toContain(`${image.repository}:${image.tag}`);
    expect(layerDirectories()).toEqual(layersBefore);
    expect((await engine.call("GET", "/containers/before/json")).status).toBe(200);
    expect(problems()).toEqual([]);
  }, 60_000);

  it("pulls the image once space is freed", async () => {
    rmSync(filler());
    const reply = await pull(image);
    expect(reply.body.trim().split("\n").at(-1)).toContain(`Status: Downloaded newer image for ${image.repository}:${image.tag}`);
    expect(await listed()).toContain(`${image.repository}:${image.tag}`);
    expect(problems()).toEqual([]);
  }, 60_000);
});

describe("a data root remounted read-only", () => {
  it("refuses writes with 'read-only file system', answers reads, and works again once writable", async () => {
    mount("-o", "remount,ro", dataRoot);
    try {
      expectDiskError(await create("read-only"), "read-only file system", dataRoot);
      expect((await engine.call("GET", "/containers/before/json")).status).toBe(200);
      expect((await engine.call("GET", "/images/json")).status).toBe(200);
    } finally {
      mount("-o", "remount,rw", dataRoot);
    }
    expect((await create("writable-again")).status).toBe(201);
    expect(problems()).toEqual([]);
  });
});
