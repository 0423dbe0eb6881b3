import { describe, expect, it } from "vitest";
import {
  absoluteContainerPath,
  archiveEntryName,
  baseName,
  coveringMount,
  goFileMode,
  goTime,
  pathInMount,
  pathStatHeader,
  splitContainerPath,
} from "./container-path.js";

describe("absoluteContainerPath", () => {
  it("cleans the path and keeps a trailing separator or dot", () => {
    expect(absoluteContainerPath("srv/app")).toBe("/srv/app");
    expect(absoluteContainerPath("/srv//app/")).toBe("/srv/app/");
    expect(absoluteContainerPath("/srv/app/.")).toBe("/srv/app/.");
    expect(absoluteContainerPath("/")).toBe("/");
    expect(absoluteContainerPath("/../etc")).toBe("/etc");
  });
});

describe("splitContainerPath and baseName", () => {
  it("split as filepath.Split and filepath.Base do", () => {
    expect(splitContainerPath("/srv/app")).toEqual({ directory: "/srv/", base: "app" });
    expect(splitContainerPath("/srv/app/")).toEqual({ directory: "/srv/app/", base: "" });
    expect(baseName("/srv/app/")).toBe("app");
    expect(baseName("/")).toBe("/");
    expect(baseName("/srv/app/.")).toBe(".");
  });
});

describe("coveringMount", () => {
  const mounts = [{ destination: "/data" }, { destination: "/data/inner" }, { destination: "/other" }];

  it("picks the innermost mount that is the path or a parent of it", () => {
    expect(coveringMount(mounts, "/data")).toBe(mounts[0]);
    expect(coveringMount(mounts, "/data/inner/x")).toBe(mounts[1]);
    expect(coveringMount(mounts, "/database")).toBeUndefined();
    expect(pathInMount(mounts[1]!, "/data/inner/x/y")).toBe("x/y");
    expect(pathInMount(mounts[0]!, "/data")).toBe("");
  });
});

describe("archiveEntryName", () => {
  it("names entries after the base name the client asked for, as dockerd's rebase does", () => {
    expect(archiveEntryName("app", "", true)).toBe("app/");
    expect(archiveEntryName("app", "hello.txt", false)).toBe("app/hello.txt");
    expect(archiveEntryName("/", "", true)).toBe("/");
    expect(archiveEntryName("/", "bin", true)).toBe("/bin/");
    expect(archiveEntryName(".", "built.txt", false)).toBe("./built.txt");
  });
});

describe("pathStatHeader", () => {
  it("encodes the stat as dockerd 20.10 does", () => {
    const header = pathStatHeader({ name: "app", size: 4096, mode: 0o40755, mtimeSeconds: 1796599855, mtimeNanos: 0, linkTarget: "" });
    expect(Buffer.from(header, "base64").toString()).toBe(
      '{"name":"app","size":4096,"mode":2147484141,"mtime":"2026-12-06T23:30:55Z","linkTarget":""}',
    );
  });

  it("moves type, set-ID and sticky bits to Go's positions and keeps nanoseconds without trailing zeros", () => {
    expect(goFileMode(0o120777)).toBe(134218239);
    expect(goFileMode(0o100444)).toBe(292);
    expect(goFileMode(0o41777)).toBe(2 ** 31 + 2 ** 20 + 0o777);
    expect(goFileMode(0o104755)).toBe(2 ** 23 + 0o755);
    expect(goTime(1796626371, 27815182)).toBe("2026-12-07T06:52:51.027815182Z");
    expect(goTime(1796626371, 302553900)).toBe("2026-12-07T06:52:51.3025539Z");
  });
});
