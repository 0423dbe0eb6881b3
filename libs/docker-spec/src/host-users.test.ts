import { describe, expect, it } from "vitest";
import { findPasswdEntry, getentFailure, getentPasswdEntry, parsePasswd } from "./host-users.js";

describe("parsePasswd", () => {
  it("reads name, uid and gid as libcontainer does: trimmed lines, blank ones skipped, bad numbers as 0", () => {
    const text = "root:x:0:0:root:/root:/bin/bash\n\n  postgres:x:101:104::/var/lib/postgresql:/bin/bash \r\nodd:x:+7:abc\nshort\n";
    expect(parsePasswd(text)).toEqual([
      { name: "root", uid: 0, gid: 0 },
      { name: "postgres", uid: 101, gid: 104 },
      { name: "odd", uid: 7, gid: 0 },
      { name: "short", uid: 0, gid: 0 },
    ]);
  });
});

describe("findPasswdEntry", () => {
  const entries = parsePasswd("daemon:x:1:1::/:/bin/false\n1000:x:5:6::/:/bin/false\ndaemon:x:2:2::/:/bin/false\n");

  it("answers the first entry of that name, and matches names only (a uid is getent's to look up)", () => {
    expect(findPasswdEntry(entries, "daemon")).toEqual({ name: "daemon", uid: 1, gid: 1 });
    expect(findPasswdEntry(entries, "1000")).toEqual({ name: "1000", uid: 5, gid: 6 });
    expect(findPasswdEntry(entries, "1")).toBeUndefined();
    expect(findPasswdEntry(entries, "daemon:daemon")).toBeUndefined();
  });
});

describe("getent", () => {
  it("takes the first entry getent printed, and says so when it printed none", () => {
    expect(getentPasswdEntry("cloud:x:1000:1000::/home/cloud:/bin/bash\n", "1000")).toEqual({ name: "cloud", uid: 1000, gid: 1000 });
    expect(() => getentPasswdEntry("\n", "1000")).toThrow('getent failed to find passwd entry for "1000"');
  });

  it("words its failures by exit code as dockerd's idtools does", () => {
    expect(getentFailure(2, "passwd", "nosuch")).toBe('getent unable to find entry "nosuch" in passwd database');
    expect(getentFailure(1, "passwd", "x")).toBe("getent reported invalid parameters/database unknown");
    expect(getentFailure(3, "passwd", "x")).toBe("getent database doesn't support enumeration");
    expect(getentFailure(5, "passwd", "x")).toBe("exit status 5");
  });
});
