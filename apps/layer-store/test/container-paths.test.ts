import { execFileSync } from "node:child_process";
import { existsSync, lstatSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { isOpaqueDir } from "@slipway/layer-tar";
import { hostileCorpus, TarWriter } from "@slipway/layer-tar/testing";
import type { layerstore } from "@slipway/proto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createRWLayer, makeLayerTar, registerChain, startStore, tempDir, treeListing, type StoreUnderTest, type TreeEntry } from "./helpers.js";

const CONTAINER = "c".repeat(64);
const IMAGE: readonly (readonly TreeEntry[])[] = [
  [
    { path: "srv", type: "dir", mode: 0o711, uid: 7, gid: 8 },
    { path: "srv/app", type: "dir" },
    { path: "srv/app/hello.txt", type: "file", content: "hello\n", mode: 0o444 },
    { path: "file", type: "file", content: "x" },
    { path: "data", type: "dir" },
    { path: "link", type: "symlink", target: "../srv/app" },
  ],
];

/** `docker cp`'s file work on a created container's layers and mounts, over layer-store's gRPC calls. */
describe("container paths", () => {
  let store: StoreUnderTest;
  let upper: string;
  let volume: string;
  let bind: string;
  let filesystem: layerstore.ContainerFilesystem;

  beforeAll(async () => {
    store = await startStore();
    const [chainId] = await registerChain(store.client, IMAGE);
    const rw = await createRWLayer(store.client, CONTAINER, chainId!);
    upper = join(store.dataRoot, "overlay2", rw.mountId, "diff");
    volume = (await store.client.createVolume({ name: "cp-volume", keep: true, parentChainId: "", path: "", driver: "", driverOpts: {}, labels: {} }))
      .volume!.mountpoint;
    bind = tempDir("bind-");
    filesystem = {
      containerId: CONTAINER,
      readOnlyRootfs: false,
      mounts: [
        { destination: "/data", volumeName: "cp-volume", hostPath: "", readOnly: false },
        { destination: "/mnt/bind", volumeName: "", hostPath: bind, readOnly: false },
        { destination: "/ro", volumeName: "cp-volume", hostPath: "", readOnly: true },
      ],
    };
  });
  afterAll(() => store.stop());

  const write = (path: string, tar: Buffer, noOverwriteDirNonDir = false, ownerUser = "") =>
    store.client.writeContainerPath(
      (async function* () {
        yield { header: { filesystem, path, noOverwriteDirNonDir, ownerUser } };
        yield { chunk: tar };
      })(),
    );
  const entryNames = async (path: string) => {
    const names: string[] = [];
    let tar = Buffer.alloc(0);
    for await (const { chunk } of store.client.readContainerPath({ filesystem, path })) if (chunk) tar = Buffer.concat([tar, chunk]);
    for (let at = 0; tar[at] !== 0 && at < tar.length;) {
      names.push(
        tar
          .subarray(at, at + 100)
          .toString()
          .replace(/\0.*$/s, ""),
      );
      at += 512 + Math.ceil(parseInt(tar.subarray(at + 124, at + 136).toString(), 8) / 512) * 512;
    }
    return names;
  };

  it("writes into the mount layer, copying up parents with the image's mode and owner", async () => {
    await write("/srv/app", makeLayerTar([{ path: "new.txt", type: "file", content: "new\n", mode: 0o600 }]));
    expect(treeListing(upper)).toEqual([
      "drwxr-xr-x 0:0 - . -> ",
      "drwx--x--x 7:8 - srv -> ",
      "drwxr-xr-x 0:0 - srv/app -> ",
      "-rw------- 0:0 4 srv/app/new.txt -> ",
    ]);
    expect(await entryNames("/srv/app")).toEqual(["app/", "app/hello.txt", "app/new.txt"]);
  });

  it("leaves existing directories the tar only implies (no entry of their own) as they are", async () => {
    await write("/", new TarWriter().file("srv/implied.txt", "i", { mode: 0o644 }).end());
    const srv = lstatSync(join(upper, "srv"));
    expect([srv.mode & 0o7777, srv.uid, srv.gid]).toEqual([0o711, 7, 8]);
    expect(readFileSync(join(upper, "srv/implied.txt"), "utf8")).toBe("i");
  });

  it("follows a symlink destination inside the container's root", async () => {
    await write("/link", makeLayerTar([{ path: "via-link.txt", type: "file" }]));
    expect(existsSync(join(upper, "srv/app/via-link.txt"))).toBe(true);
  });

  it("hides lower content as overlayfs would: a directory replacing a file or a replaced directory is opaque", async () => {
    await write("/", makeLayerTar([{ path: "file/inner.txt", type: "file" }]));
    expect(isOpaqueDir(join(upper, "file"))).toBe(true);
    await write("/srv", makeLayerTar([{ path: "app", type: "file", content: "now a file" }]));
    expect(lstatSync(join(upper, "srv/app")).isFile()).toBe(true);
    await write("/srv", makeLayerTar([{ path: "app/only.txt", type: "file" }]));
    expect(isOpaqueDir(join(upper, "srv/app"))).toBe(true);
    expect(await entryNames("/srv/app")).toEqual(["app/", "app/only.txt"]);
  });

  it("writes under a volume or bind into its directory, and refuses a read-only one", async () => {
    await write("/data", makeLayerTar([{ path: "in-volume.txt", type: "file", content: "v" }]));
    await write("/mnt/bind", makeLayerTar([{ path: "in-bind.txt", type: "file", content: "b" }]));
    expect(readFileSync(join(volume, "in-volume.txt"), "utf8")).toBe("v");
    expect(readFileSync(join(bind, "in-bind.txt"), "utf8")).toBe("b");
    expect(existsSync(join(upper, "data"))).toBe(false);
    await expect(write("/ro", makeLayerTar([{ path: "x", type: "file" }]))).rejects.toThrow("mounted volume is marked read-only");
  });

  it("refuses replacements with noOverwriteDirNonDir and a destination that is no directory, in dockerd's words", async () => {
    await expect(write("/srv", makeLayerTar([{ path: "app", type: "file" }]), true)).rejects.toThrow(
      'Error processing tar file(exit status 1): cannot overwrite directory "/srv/app" with non-directory "/srv"',
    );
    await expect(write("/srv/app/only.txt", makeLayerTar([{ path: "x", type: "file" }]))).rejects.toThrow("extraction point is not a directory");
    await expect(write("/nosuch", makeLayerTar([{ path: "x", type: "file" }]))).rejects.toMatchObject({ kind: "not_found" });
  });

  it("gives every entry the owner user's uid and primary gid, looked up in the host's database by name or uid", async () => {
    // `id` is the host's own answer for the user dockerd would find in /etc/passwd.
    const daemon = ["-u", "-g"].map((flag) => execFileSync("id", [flag, "daemon"], { encoding: "utf8" }).trim()).join(":");
    const tar = makeLayerTar([
      { path: "owned", type: "dir", uid: 7, gid: 8 },
      { path: "owned/file", type: "file", uid: 9, gid: 9 },
    ]);
    await write("/mnt/bind", tar, false, "daemon");
    const owners = () => ["owned", "owned/file"].map((name) => `${lstatSync(join(bind, name)).uid}:${lstatSync(join(bind, name)).gid}`);
    expect(owners()).toEqual([daemon, daemon]);
    await write("/mnt/bind", tar);
    expect(owners()).toEqual(["7:8", "9:9"]);
    await write("/mnt/bind", tar, false, daemon.split(":")[0]);
    expect(owners()).toEqual([daemon, daemon]);
  });

  it("refuses an owner user the host does not know in dockerd's words, after the path is checked, writing nothing", async () => {
    const tar = makeLayerTar([{ path: "unowned.txt", type: "file" }]);
    for (const user of ["t25-no-such-user", "daemon:daemon"]) {
      await expect(write("/mnt/bind", tar, false, user)).rejects.toMatchObject({
        kind: "internal",
        message: `getent unable to find entry "${user}" in passwd database`,
      });
    }
    await expect(write("/nosuch", tar, false, "t25-no-such-user")).rejects.toMatchObject({ kind: "not_found" });
    expect(existsSync(join(bind, "unowned.txt"))).toBe(false);
  });

  it("refuses hostile tars and overlay whiteouts as layer extraction does, changing nothing", async () => {
    const before = treeListing(upper);
    for (const hostile of hostileCorpus()) {
      await expect(write("/srv", hostile.bytes), hostile.name).rejects.toThrow("Error processing tar file(exit status 1)");
    }
    await expect(write("/srv", makeLayerTar([{ path: ".wh.app", type: "file" }]))).rejects.toThrow("overlay whiteout");
    expect(treeListing(upper)).toEqual(before);
    expect(readdirSync(join(store.dataRoot, "image/overlay2/layerdb/tmp"))).toEqual([]);
  });
});
