import { readFileSync, statSync, statfsSync } from "node:fs";

const XFS_SUPER_MAGIC = 0x58465342;
/** How xfs shows project quota accounting among its mount options: enforced, or accounted only. */
const PROJECT_QUOTA_OPTIONS = new Set(["prjquota", "pqnoenforce"]);

/**
 * Whether the filesystem holding `path` is xfs with project quotas on (mounted with pquota), which dockerd's
 * quota control needs for overlay2's `--storage-opt size` and the local volume driver's `size` option.
 */
export function hasProjectQuota(path: string): boolean {
  if (statfsSync(path).type !== XFS_SUPER_MAGIC) return false;
  const options = superOptionsOf(readFileSync("/proc/self/mountinfo", "utf8"), deviceNumber(statSync(path).dev));
  return options.some((option) => PROJECT_QUOTA_OPTIONS.has(option));
}

/** "major:minor" of a st_dev, as mountinfo writes it (glibc's gnu_dev_major and gnu_dev_minor). */
export function deviceNumber(dev: number): string {
  const value = BigInt(dev);
  const major = ((value >> 8n) & 0xfffn) | ((value >> 32n) & ~0xfffn);
  const minor = (value & 0xffn) | ((value >> 12n) & ~0xffn);
  return `${major}:${minor}`;
}

/** The super options (after " - fstype source ") of the filesystem mounted from that device; [] when none is. */
export function superOptionsOf(mountinfo: string, device: string): string[] {
  for (const line of mountinfo.split("\n")) {
    const fields = line.split(" ");
    if (fields[2] !== device) continue;
    const separator = fields.indexOf("-", 6);
    return separator < 0 ? [] : (fields[separator + 3] ?? "").split(",");
  }
  return [];
}
