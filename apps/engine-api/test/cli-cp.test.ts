import { createHash, randomBytes } from "node:crypto";
import { chmodSync, chownSync, lstatSync, mkdirSync, readdirSync, readFileSync, symlinkSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { isOpaqueDir } from "@slipway/layer-tar";
import { startSecondDockerd } from "@slipway/throwaway-dockerd";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { docker, type CliResult } from "./support/docker-cli.js";
import { call } from "./support/http-client.js";
import { goldenContainerOnBoth, REAL_DOCKERD, type GoldenContainerOnBoth } from "./support/golden-container.js";
import type { Stack } from "./support/stack.js";

/**
 * `docker cp` into and out of a created golden:1 container, the same commands against the real dockerd and
 * Slipway: the same CLI output and status, the same tar entries, the same stat headers and errors.
 */
const NAME = `t25-cp-${randomBytes(4).toString("hex")}`;
let golden: GoldenContainerOnBoth;
let stack: Stack;
let tmp: string;
let source: string;

const engines = () => golden.engines;

/** The same CLI command on both engines, run one after the other (so `-` output is per engine). */
async function both(...args: string[]): Promise<[CliResult, CliResult]> {
  const [real, slipway] = engines();
  return [await docker(real, args), await docker(slipway, args)];
}

beforeAll(async () => {
  golden = await goldenContainerOnBoth(NAME);
  ({ stack, tmp } = golden);
  source = join(tmp, "src");
  makeSources(source);
}, 120_000);

afterAll(() => golden?.stop());

function makeSources(root: string): void {
  mkdirSync(join(root, "tree", "sub"), { recursive: true });
  writeFileSync(join(root, "note.txt"), "a note\n");
  chmodSync(join(root, "note.txt"), 0o640);
  writeFileSync(join(root, "tree", "a.txt"), "aaa\n");
  writeFileSync(join(root, "tree", "sub", "b.txt"), "b".repeat(70_000));
  symlinkSync("a.txt", join(root, "tree", "link"));
}

describe("docker cp into a created container", () => {
  it("copies a file, a directory and a file into the VOLUME /data, as dockerd does", async () => {
    for (const [from, to] of [
      ["note.txt", "/srv/app/"],
      ["tree", "/srv/"],
      ["note.txt", "/data/copied.txt"],
      ["tree/a.txt", "/srv/renamed.txt"],
    ]) {
      const [real, slipway] = await both("cp", join(source, from!), `${NAME}:${to}`);
      expect(slipway, `docker cp ${from} ${to}`).toEqual(real);
      expect(real.code).toBe(0);
    }
  });

  it("answers errors in dockerd's words: missing directories and containers, a directory onto a file", async () => {
    for (const [from, to] of [
      [join(source, "note.txt"), `${NAME}:/nosuchdir/x.txt`],
      [join(source, "tree"), `${NAME}:/srv/app/hello.txt`],
      [join(source, "note.txt"), "t25-cp-nosuch:/srv/"],
    ]) {
      const [real, slipway] = (await both("cp", from!, to!)).map(withoutCliLog);
      expect(slipway, `docker cp ${from} ${to}`).toEqual(real);
      expect(real!.code).not.toBe(0);
    }
  });

  it("refuses to replace a directory by a file with noOverwriteDirNonDir, or a mount point, as dockerd does", async () => {
    for (const [query, name] of [
      ["path=/srv&noOverwriteDirNonDir=true", "app"],
      ["path=/", "data"],
    ]) {
      const body = tarOf([[name!, "a file where the container has a directory\n"]]);
      const [real, slipway] = await Promise.all(
        engines().map((engine) => call(engine, "PUT", `/v1.41/containers/${NAME}/archive?${query}`, { body })),
      );
      expect({ status: slipway.status, text: slipway.text }, query).toEqual({ status: real.status, text: real.text });
      expect(real.status).toBe(500);
    }
  });
});

describe("docker cp out of a created container", () => {
  it("archives files, directories, the volume and symlinks with dockerd's entries", async () => {
    for (const path of ["/srv", "/srv/app/.", "/srv/app/hello.txt", "/data", "/etc/mtab", "/bin/sh"]) {
      const [real, slipway] = await both("cp", `${NAME}:${path}`, "-");
      expect({ code: slipway.code, stderr: slipway.stderr }).toEqual({ code: real.code, stderr: real.stderr });
      expect(entriesOf(Buffer.from(slipway.stdout, "latin1")), path).toEqual(entriesOf(Buffer.from(real.stdout, "latin1")));
    }
  });

  it("follows a symlink with -L and writes the files to a directory as dockerd does", async () => {
    for (const engine of engines()) {
      const out = join(tmp, engine === REAL_DOCKERD ? "real" : "slipway");
      mkdirSync(out);
      expect(await docker(engine, ["cp", "-L", `${NAME}:/bin/sh`, join(out, "sh")])).toMatchObject({ code: 0 });
      expect(await docker(engine, ["cp", `${NAME}:/srv`, out])).toMatchObject({ code: 0 });
    }
    for (const file of ["sh", "srv/app/note.txt", "srv/tree/a.txt", "srv/tree/sub/b.txt", "srv/tree/link", "srv/renamed.txt"]) {
      const [real, slipway] = ["real", "slipway"].map((engine) => join(tmp, engine, file));
      expect(readFileSync(slipway!).equals(readFileSync(real!)), file).toBe(true); // through the link for srv/tree/link
      expect(lstatSync(slipway!).mode, file).toBe(lstatSync(real!).mode);
    }
  });

  it("answers the stat header of dockerd, and its errors for missing paths and containers", async () => {
    for (const path of ["/", "/srv/app/hello.txt", "/bin/sh", "/etc/mtab", "/data", "/srv/app/", "/nosuch", "/srv/app/hello.txt/x"]) {
      const [real, slipway] = await Promise.all(engines().map((engine) => statOf(engine, NAME, path)));
      expect(slipway, path).toEqual(real);
    }
    for (const [container, path] of [
      ["t25-cp-nosuch", "/"],
      [NAME, ""],
      [NAME, "/nosuch"],
      [NAME, "/srv/app/hello.txt/x/y"],
    ]) {
      const [real, slipway] = await Promise.all(
        engines().map((engine) => call(engine, "GET", `/v1.41/containers/${container}/archive?path=${path}`)),
      );
      // dockerd names the path in its mounted root filesystem, which Slipway neither has nor shows.
      const realText = real.text.replace(/\/var\/lib\/docker\/overlay2\/[0-9a-f]+\/merged/, "");
      expect({ status: slipway.status, text: slipway.text }, `${container}:${path}`).toEqual({ status: real.status, text: realText });
    }
  });
});

describe("what docker cp writes on disk", () => {
  it("leaves the mount layer and the volume as overlayfs leaves dockerd's: copied-up parents, opaque replacements", async () => {
    // Through the API without noOverwriteDirNonDir (the CLI always sets it): a file replacing the image's /srv/app
    // directory, then a directory replacing that file, which overlayfs makes opaque.
    for (const body of [tarOf([["app", "now a file\n"]]), tarOf([["app/"], ["app/only.txt", "the directory's only file\n"]])]) {
      const [real, slipway] = await Promise.all(
        engines().map((engine) => call(engine, "PUT", `/v1.41/containers/${NAME}/archive?path=/srv`, { body })),
      );
      expect({ status: slipway.status, text: slipway.text }).toEqual({ status: 200, text: "" });
      expect(real.status).toBe(200);
    }
    // The volume was emptied by the refused replacement of its mount point above (on both engines).
    const copied = await both("cp", join(source, "tree"), `${NAME}:/data/`);
    expect(copied[1]).toEqual(copied[0]);
    const [real, slipway] = await Promise.all(engines().map((engine) => diskOf(engine)));
    expect(slipway.upper).toEqual(real.upper);
    expect(slipway.volume).toEqual(real.volume);
    expect(real.volume).toContain("100644 0:0 4 tree/a.txt");
    expect(real.upper).toContain("40755 0:0 srv/app opaque");
  });
});

describe("docker cp -a (--archive)", () => {
  const created: string[] = [];
  afterAll(async () => {
    for (const name of created) await docker(REAL_DOCKERD, ["rm", "-v", name]);
  });

  it("owns what it copies by the container's user as the host's user database names it, or keeps the tar's owners, as dockerd does", async () => {
    const owned = join(tmp, "owned");
    mkdirSync(owned);
    writeFileSync(join(owned, "file.txt"), "owned by 1234:5678\n");
    for (const path of [owned, join(owned, "file.txt")]) chownSync(path, 1234, 5678);
    // No user (root); a name in /etc/passwd; a uid (getent's); a user the host lacks; user:group (which dockerd 20.10 cannot look up).
    for (const [index, user] of ["", "daemon", "0", "t25-no-such-user", "daemon:daemon"].entries()) {
      const name = `${NAME}-a${index}`;
      created.push(name);
      const userArgs = user === "" ? [] : ["--user", user];
      for (const engine of engines()) expect(await docker(engine, ["create", "--name", name, ...userArgs, "golden:1"])).toMatchObject({ code: 0 });
      const [real, slipway] = (await both("cp", "-a", owned, `${name}:/srv/`)).map(withoutCliLog);
      expect(slipway, `user "${user}"`).toEqual(real);
      expect(real!.code, `user "${user}"`).toBe(user === "t25-no-such-user" || user.includes(":") ? 1 : 0);
      const [realDisk, slipwayDisk] = await Promise.all(engines().map((engine) => diskOf(engine, name)));
      expect(slipwayDisk.upper, `user "${user}"`).toEqual(realDisk.upper);
    }
    const [withoutUser] = await Promise.all(engines().map((engine) => diskOf(engine, `${NAME}-a0`)));
    expect(withoutUser!.upper).toContain("100644 1234:5678 19 srv/owned/file.txt");
  });
});

describe("a stock dockerd adopting the data root", () => {
  it("starts the container with what docker cp wrote, as the real dockerd does", async () => {
    await stack.stop();
    const daemon = await startSecondDockerd({ dataRoot: stack.dataRoot });
    try {
      const [real, adopted] = [REAL_DOCKERD, daemon.socketPath];
      const started = await Promise.all([real, adopted].map((engine) => docker(engine!, ["start", "-a", NAME])));
      expect(started[1]).toEqual(started[0]);
      // The image's /srv/app/hello.txt is hidden by the opaque /srv/app that replaced it above; the echo still runs.
      expect(started[0]).toMatchObject({ code: 0, stdout: "hello world\n", stderr: expect.stringContaining("/srv/app/hello.txt") });
      for (const path of ["/srv", "/data"]) {
        const [fromReal, fromAdopted] = await Promise.all([real, adopted].map((engine) => docker(engine!, ["cp", `${NAME}:${path}`, "-"])));
        expect(entriesOf(Buffer.from(fromAdopted!.stdout, "latin1")), path).toEqual(entriesOf(Buffer.from(fromReal!.stdout, "latin1")));
        expect(fromReal!.code).toBe(0);
      }
    } finally {
      await daemon.stop();
    }
  }, 120_000);
});

/** The container's mount layer and /data volume as lines of st_mode, owner, size (of files) and path, opaque marked. */
async function diskOf(engine: string, name = NAME): Promise<{ upper: string[]; volume: string[] }> {
  const [inspected] = JSON.parse((await docker(engine, ["inspect", name])).stdout) as {
    GraphDriver: { Data: { UpperDir: string } };
    Mounts: { Destination: string; Source: string }[];
  }[];
  const volume = inspected!.Mounts.find((m) => m.Destination === "/data")!.Source;
  return { upper: listing(inspected!.GraphDriver.Data.UpperDir), volume: listing(volume) };
}

function listing(root: string, below = ""): string[] {
  return readdirSync(join(root, below))
    .sort()
    .flatMap((name) => {
      const path = below === "" ? name : `${below}/${name}`;
      const stats = lstatSync(join(root, path));
      const size = stats.isFile() ? ` ${stats.size}` : "";
      const opaque = stats.isDirectory() && isOpaqueDir(join(root, path)) ? " opaque" : "";
      return [`${stats.mode.toString(8)} ${stats.uid}:${stats.gid}${size} ${path}${opaque}`, ...(stats.isDirectory() ? listing(root, path) : [])];
    });
}

/**
 * The CLI's result without its own log lines: when it refuses a copy after it started to tar the source, its
 * tar writer may log a closed pipe or not, as the timing falls.
 */
function withoutCliLog(result: CliResult): CliResult {
  return { ...result, stderr: result.stderr.replace(/^time=.*\n/gm, "") };
}

/** HEAD's status and decoded stat (the mtime only for paths of the image, which both engines share). */
async function statOf(engine: string, name: string, path: string) {
  const reply = await call(engine, "HEAD", `/v1.41/containers/${name}/archive?path=${encodeURIComponent(path)}`);
  const header = reply.headers["x-docker-container-path-stat"] as string | undefined;
  const stat = header === undefined ? undefined : (JSON.parse(Buffer.from(header, "base64").toString()) as Record<string, unknown>);
  if (stat && ["/", "/data", "/etc/mtab", "/srv/app/"].includes(path)) delete stat.mtime;
  return { status: reply.status, stat };
}

/** Name, type, mode, size, link target and content digest of each entry of a ustar archive. */
function entriesOf(tar: Buffer): string[] {
  const entries: string[] = [];
  for (let at = 0; at + 512 <= tar.length && tar[at] !== 0;) {
    const field = (offset: number, length: number) =>
      tar
        .subarray(at + offset, at + offset + length)
        .toString("latin1")
        .replace(/\0.*$/s, "");
    const size = parseInt(field(124, 12), 8) || 0;
    const prefix = field(345, 155);
    const name = prefix === "" ? field(0, 100) : `${prefix}/${field(0, 100)}`;
    const content = createHash("sha256")
      .update(tar.subarray(at + 512, at + 512 + size))
      .digest("hex")
      .slice(0, 12);
    entries.push(`${name} ${field(156, 1)} ${field(100, 8)} ${size} ${field(157, 100)} ${content}`);
    at += 512 + Math.ceil(size / 512) * 512;
  }
  return entries;
}

/** A ustar archive of directories (names ending in "/") and files with their content, owned by root. */
function tarOf(entries: readonly (readonly [name: string, content?: string])[]): Buffer {
  const blocks = entries.flatMap(([name, text = ""]) => {
    const content = Buffer.from(text);
    const header = Buffer.alloc(512);
    header.write(name, 0);
    header.write(name.endsWith("/") ? "0000755\0" : "0000644\0", 100);
    header.write("0000000\0", 108);
    header.write("0000000\0", 116);
    header.write(`${content.length.toString(8).padStart(11, "0")}\0`, 124);
    header.write("00000000000\0", 136);
    header.write(name.endsWith("/") ? "5" : "0", 156);
    header.write("ustar\u000000", 257);
    header.write("        ", 148);
    header.write(
      `${header
        .reduce((total, byte) => total + byte, 0)
        .toString(8)
        .padStart(6, "0")}\0 `,
      148,
    );
    return [header, content, Buffer.alloc((512 - (content.length % 512)) % 512)];
  });
  return Buffer.concat([...blocks, Buffer.alloc(1024)]);
}
