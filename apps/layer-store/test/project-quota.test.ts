import { execFileSync } from "node:child_process";
import { mkdirSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { deviceNumber, hasProjectQuota, superOptionsOf } from "../src/storage/project-quota.js";
import { tempDir } from "./helpers.js";

/**
 * The check behind `--storage-opt size` and the volume `size` option on a real xfs (xfsprogs, a loop
 * device, root). Mounted without quotas here: this machine's kernel has no xfs quota support, so the
 * pquota case is covered by the mountinfo unit test only.
 */
describe("project quotas on a loop-mounted xfs", () => {
  let mountpoint: string;
  beforeAll(() => {
    const dir = tempDir("xfs-");
    const image = join(dir, "xfs.img");
    mountpoint = join(dir, "mnt");
    mkdirSync(mountpoint);
    execFileSync("truncate", ["-s", "320M", image]);
    execFileSync("mkfs.xfs", ["-q", image]);
    execFileSync("mount", ["-o", "loop", image, mountpoint]);
  });
  afterAll(() => {
    if (mountpoint) execFileSync("umount", [mountpoint]);
  });

  it("finds the xfs mount's options through its device number, and no project quota without pquota", () => {
    const options = superOptionsOf(readFileSync("/proc/self/mountinfo", "utf8"), deviceNumber(statSync(mountpoint).dev));
    expect(options).toContain("noquota");
    expect(hasProjectQuota(mountpoint)).toBe(false);
    expect(hasProjectQuota(tempDir("not-xfs-"))).toBe(false);
  });
});
