import { execFileSync } from "node:child_process";
import { chmodSync, copyFileSync, linkSync, lstatSync, lutimesSync, mkdirSync, readdirSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { docker } from "./support/docker-cli.js";
import { call } from "./support/http-client.js";
import { goldenContainerOnBoth, type GoldenContainerOnBoth } from "./support/golden-container.js";

/**
 * `docker export`, `docker diff`, `docker ps -s`, `docker inspect --size` and GraphDriver.Data against the
 * real dockerd: the same golden:1 container created on both, the same changes written into both mount
 * layers, the same requests, the same answers.
 */
const NAME = `t25-fs-${process.pid}`;
/** Init-layer entries carry their creation time; both engines' are set to this one before tars are compared. */
const FIXED_TIME = new Date("2026-01-02T03:04:05Z");

let golden: GoldenContainerOnBoth;
let tmp: string;
const engines = () => golden.engines;
const both = (...args: string[]) => Promise.all(engines().map((socket) => docker(socket, args)));
const bothHttp = (path: string) => Promise.all(engines().map((socket) => call(socket, "GET", `/v1.41${path}`)));

beforeAll(async () => {
  golden = await goldenContainerOnBoth(NAME);
  ({ tmp } = golden);
}, 120_000);
afterAll(() => golden?.stop());

/** GraphDriver.Data of the container on one engine. */
async function graphDriverData(socket: string): Promise<Record<string, string>> {
  const { text } = await call(socket, "GET", `/v1.41/containers/${NAME}/json`);
  return (JSON.parse(text) as { GraphDriver: { Data: Record<string, string> } }).GraphDriver.Data;
}

/** Both exports, after every init-layer entry of both containers got the same time. */
async function bothExports(): Promise<Buffer[]> {
  for (const socket of engines()) touchTree((await graphDriverData(socket)).LowerDir!.split(":")[0]!);
  const replies = await bothHttp(`/containers/${NAME}/export`);
  expect(replies.map((r) => [r.status, r.headers["content-type"]])).toEqual([
    [200, "application/octet-stream"],
    [200, "application/octet-stream"],
  ]);
  return replies.map((reply) => reply.body);
}

function touchTree(root: string): void {
  for (const name of readdirSync(root)) {
    const path = join(root, name);
    if (lstatSync(path).isDirectory()) touchTree(path);
    lutimesSync(path, FIXED_TIME, FIXED_TIME);
  }
}

/** A tar's entries as `tar tv` lists them, for a readable failure before the byte comparison. */
function listing(tar: Buffer): string {
  const file = join(tmp, `listing-${process.hrtime.bigint()}.tar`);
  writeFileSync(file, tar);
  return execFileSync("tar", ["-tvf", file, "--numeric-owner"], { encoding: "utf8" });
}

describe("a fresh golden:1 container", () => {
  it("docker diff prints nothing, and GET /containers/{id}/changes answers dockerd's null", async () => {
    const [real, slipway] = await both("diff", NAME);
    expect(real).toMatchObject({ code: 0, stdout: "" });
    expect(slipway).toEqual(real);
    const replies = await bothHttp(`/containers/${NAME}/changes`);
    expect(replies.map((r) => [r.status, r.text])).toEqual([
      [200, "null\n"],
      [200, "null\n"],
    ]);
  });

  it("docker ps -s shows dockerd's size, and the list row carries SizeRootFs after Ports (SizeRw 0 left out)", async () => {
    const [real, slipway] = await both("ps", "-as", "--filter", `name=${NAME}`, "--format", "{{.Size}}");
    expect(real).toMatchObject({ code: 0, stdout: "0B (virtual 1.98MB)\n" });
    expect(slipway).toEqual(real);
    const filters = encodeURIComponent(JSON.stringify({ name: [NAME] }));
    const rows = (await bothHttp(`/containers/json?all=1&size=1&filters=${filters}`)).map((r) => JSON.parse(r.text) as object[]);
    const keysAndSizes = rows.map(([row]) => [Object.keys(row!), (row as { SizeRootFs: number }).SizeRootFs]);
    expect(keysAndSizes[1]).toEqual(keysAndSizes[0]);
  });

  it("docker inspect --size shows SizeRw and SizeRootFs after GraphDriver, as dockerd does", async () => {
    const [real, slipway] = await both("inspect", "--size", "--format", "{{.SizeRw}} {{.SizeRootFs}}", NAME);
    expect(real).toMatchObject({ code: 0, stdout: "0 1982308\n" });
    expect(slipway).toEqual(real);
    const documents = (await bothHttp(`/containers/${NAME}/json?size=1`)).map((r) => Object.keys(JSON.parse(r.text) as object));
    expect(documents[1]).toEqual(documents[0]);
    const plain = (await bothHttp(`/containers/${NAME}/json`)).map((r) => Object.keys(JSON.parse(r.text) as object));
    expect(plain[1]).toEqual(plain[0]);
    expect(plain[1]).not.toContain("SizeRw");
  });

  it("GraphDriver.Data.LowerDir lists the init layer's diff/ first, then the image layers' diff/, as dockerd does", async () => {
    const shapes = await Promise.all(
      engines().map(async (socket) => {
        const data = await graphDriverData(socket);
        const overlay = dirname(dirname(data.UpperDir!));
        const mountDir = dirname(data.UpperDir!);
        return data.LowerDir!.split(":").map((dir, i) => {
          if (i === 0) return dir === `${mountDir}-init/diff` ? "init" : dir;
          return dirname(dirname(dir)) === overlay && dir.endsWith("/diff") ? "image layer" : dir;
        });
      }),
    );
    expect(shapes[0]).toEqual(["init", "image layer", "image layer", "image layer", "image layer"]);
    expect(shapes[1]).toEqual(shapes[0]);
  });

  it("docker export streams dockerd's tar byte for byte", async () => {
    const [real, slipway] = await bothExports();
    expect(listing(slipway!)).toBe(listing(real!));
    expect(slipway!.equals(real!)).toBe(true);
  });

  it("an unknown container: dockerd's 404 for export and diff", async () => {
    for (const path of ["/containers/nosuch/export", "/containers/nosuch/changes"]) {
      const replies = await bothHttp(path);
      expect(replies.map((r) => [r.status, r.text])).toEqual([
        [404, '{"message":"No such container: nosuch"}\n'],
        [404, '{"message":"No such container: nosuch"}\n'],
      ]);
    }
  });
});

describe("changes written into the mount layer (as a copy into the container leaves them)", () => {
  beforeAll(async () => {
    for (const socket of engines()) writeChanges(await graphDriverData(socket));
  });

  it("docker diff lists dockerd's changes (dockerd's order is a Go map's, random, so both are sorted)", async () => {
    const lines = (await both("diff", NAME)).map((r) => [r.code, r.stderr, r.stdout.split("\n").sort()]);
    expect(lines[0]).toEqual([
      0,
      "",
      ["", "A /srv/app/link", "A /srv/app/new.txt", "A /top", "A /top/fifo", "C /bin", "C /srv", "C /srv/app", "D /bin/echo"],
    ]);
    expect(lines[1]).toEqual(lines[0]);
    const bodies = (await bothHttp(`/containers/${NAME}/changes`)).map((r) =>
      (JSON.parse(r.text) as { Path: string }[]).sort((a, b) => a.Path.localeCompare(b.Path)),
    );
    expect(bodies[1]).toEqual(bodies[0]);
  });

  it("docker ps -s and inspect --size count the mount layer's bytes", async () => {
    const [real, slipway] = await both("ps", "-as", "--filter", `name=${NAME}`, "--format", "{{.Size}}");
    expect(real!.stdout).toBe("18B (virtual 1.98MB)\n");
    expect(slipway).toEqual(real);
    const sizes = await both("inspect", "--size", "--format", "{{.SizeRw}} {{.SizeRootFs}}", NAME);
    expect(sizes[1]).toEqual(sizes[0]);
  });

  it("docker export shows the merged view: the whiteout hides, the hard link is a link, byte for byte", async () => {
    const [real, slipway] = await bothExports();
    expect(listing(real!)).not.toContain("bin/echo");
    expect(listing(real!)).toMatch(/^hrw-r--r-- .* srv\/app\/new.txt link to srv\/app\/link$/m);
    expect(listing(slipway!)).toBe(listing(real!));
    expect(slipway!.equals(real!)).toBe(true);
  });
});

/**
 * The same changes in a mount layer's diff/: /bin, /srv and /srv/app copied up with the image's mode and
 * time, /srv/app/built.txt copied up unchanged, /bin/echo whited out, a file with a second name in /srv/app,
 * a new directory with a FIFO.
 */
function writeChanges({ UpperDir: upper, LowerDir: lowerDirs }: Record<string, string>): void {
  const lowerOf = (path: string) => lowerDirs!.split(":").find((root) => lstatIfExists(join(root, path)))!;
  for (const dir of ["bin", "srv", "srv/app"]) {
    mkdirSync(join(upper!, dir));
    chmodSync(join(upper!, dir), lstatSync(join(lowerOf(dir), dir)).mode & 0o7777);
  }
  copyFileSync(join(lowerOf("srv/app/built.txt"), "srv/app/built.txt"), join(upper!, "srv/app/built.txt"));
  execFileSync("mknod", [join(upper!, "bin/echo"), "c", "0", "0"]);
  writeFileSync(join(upper!, "srv/app/new.txt"), "new content\n");
  chmodSync(join(upper!, "srv/app/new.txt"), 0o644);
  linkSync(join(upper!, "srv/app/new.txt"), join(upper!, "srv/app/link"));
  mkdirSync(join(upper!, "top"));
  chmodSync(join(upper!, "top"), 0o700);
  execFileSync("mkfifo", ["-m", "0640", join(upper!, "top/fifo")]);
  for (const path of ["bin/echo", "srv/app/new.txt", "top/fifo", "top"]) lutimesSync(join(upper!, path), FIXED_TIME, FIXED_TIME);
  for (const path of ["srv/app/built.txt", "srv/app", "srv", "bin"]) {
    const { mtime } = lstatSync(join(lowerOf(path), path));
    lutimesSync(join(upper!, path), mtime, mtime);
  }
}

function lstatIfExists(path: string) {
  return lstatSync(path, { throwIfNoEntry: false });
}
