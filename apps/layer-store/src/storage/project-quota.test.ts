import { describe, expect, it } from "vitest";
import { deviceNumber, superOptionsOf } from "./project-quota.js";

const MOUNTINFO = [
  "22 1 254:0 / / rw,relatime shared:1 - ext4 /dev/vda rw,discard",
  "98 22 7:3 / /mnt/xfs rw,relatime shared:50 - xfs /dev/loop3 rw,attr2,inode64,logbufs=8,logbsize=32k,prjquota",
  "99 22 7:3 /sub /mnt/bound rw,relatime shared:50 - xfs /dev/loop3 rw,attr2,inode64,logbufs=8,logbsize=32k,prjquota",
  "100 22 0:45 / /mnt/tagged rw master:3 unbindable - tmpfs tmpfs rw,size=1024k",
].join("\n");

describe("the data root's filesystem", () => {
  it("reads the super options of the filesystem on a device, optional fields or not", () => {
    expect(superOptionsOf(MOUNTINFO, "7:3")).toContain("prjquota");
    expect(superOptionsOf(MOUNTINFO, "254:0")).toEqual(["rw", "discard"]);
    expect(superOptionsOf(MOUNTINFO, "0:45")).toEqual(["rw", "size=1024k"]);
    expect(superOptionsOf(MOUNTINFO, "8:1")).toEqual([]);
  });

  it("splits st_dev into major:minor as glibc does", () => {
    expect(deviceNumber(0xfe00)).toBe("254:0");
    expect(deviceNumber(0x703)).toBe("7:3");
    // makedev(259, 256): a minor past 255 keeps its high bits above the major's.
    expect(deviceNumber(0x110300)).toBe("259:256");
  });
});
