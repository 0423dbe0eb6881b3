import { describe, expect, it } from "vitest";
import { ChangeKind, sameFsTime, statDifferent, treeChanges, type ChangeStat, type PairedEntry } from "./changes.js";

const DIR = 0o040755;
const FILE = 0o100644;
const stat = (mode: number, changes: Partial<ChangeStat> = {}): ChangeStat => ({
  isDirectory: (mode & 0o170000) === 0o040000,
  mode,
  uid: 0,
  gid: 0,
  rdev: 0n,
  size: 10n,
  mtimeNs: 5_000_000_000n,
  capability: null,
  ...changes,
});
const entry = (name: string, current?: ChangeStat, previous?: ChangeStat, children: PairedEntry[] = []): PairedEntry => ({
  name,
  current,
  previous,
  children: () => children,
});
const root = (...children: PairedEntry[]) => entry("", stat(DIR), stat(DIR), children);

describe("treeChanges (pkg/archive ChangesDirs)", () => {
  it("reports nothing for identical views", () => {
    expect(treeChanges(root(entry("etc", stat(DIR), stat(DIR), [entry("hosts", stat(FILE), stat(FILE))])))).toEqual([]);
  });

  it("reports every ancestor of a change as modified before it, but not the root", () => {
    const tree = root(entry("srv", stat(DIR), stat(DIR), [entry("app", stat(DIR), stat(DIR), [entry("x", stat(FILE))])]));
    expect(treeChanges(tree)).toEqual([
      { path: "/srv", kind: ChangeKind.Modify },
      { path: "/srv/app", kind: ChangeKind.Modify },
      { path: "/srv/app/x", kind: ChangeKind.Add },
    ]);
  });

  it("reports an added directory and everything under it as added, and a deleted entry alone", () => {
    const tree = root(
      entry("bin", stat(DIR), stat(DIR), [entry("echo", undefined, stat(FILE))]),
      entry("top", stat(DIR), undefined, [entry("fifo", stat(0o010640))]),
    );
    expect(treeChanges(tree)).toEqual([
      { path: "/bin", kind: ChangeKind.Modify },
      { path: "/bin/echo", kind: ChangeKind.Delete },
      { path: "/top", kind: ChangeKind.Add },
      { path: "/top/fifo", kind: ChangeKind.Add },
    ]);
  });

  it("reports a directory whose mode changed once, even with changes inside", () => {
    const tree = root(entry("data", stat(0o040700), stat(DIR), [entry("f", stat(FILE), stat(FILE, { size: 11n }))]));
    expect(treeChanges(tree)).toEqual([
      { path: "/data", kind: ChangeKind.Modify },
      { path: "/data/f", kind: ChangeKind.Modify },
    ]);
  });

  it("compares size and time for files only, and the capability xattr for every entry", () => {
    expect(statDifferent(stat(DIR), stat(DIR, { size: 8192n, mtimeNs: 9_000_000_000n }))).toBe(false);
    expect(statDifferent(stat(FILE), stat(FILE, { mtimeNs: 9_000_000_000n }))).toBe(true);
    expect(statDifferent(stat(FILE), stat(FILE, { uid: 1 }))).toBe(true);
    expect(statDifferent(stat(FILE), stat(FILE, { capability: "\u0001" }))).toBe(true);
    expect(statDifferent(stat(FILE), stat(FILE))).toBe(false);
  });

  it("compares times as sameFsTimeSpec does: a whole second matches any fraction of it", () => {
    expect(sameFsTime(5_000_000_000n, 5_123_000_000n)).toBe(true);
    expect(sameFsTime(5_100_000_000n, 5_123_000_000n)).toBe(false);
    expect(sameFsTime(5_000_000_000n, 6_000_000_000n)).toBe(false);
  });
});
