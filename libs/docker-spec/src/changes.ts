// dockerd's `docker diff` of a container (overlay2 compares the container's root filesystem with the same
// stack without its mount layer, pkg/archive ChangesDirs): an entry only in the container's view is added
// (and everything under it), one only in the view below is deleted, one in both is modified when its
// stat differs; a directory with changes inside is reported modified before them, the root never.

/** dockerd's archive.ChangeType. */
export const ChangeKind = { Modify: 0, Add: 1, Delete: 2 } as const;
export type ChangeKind = (typeof ChangeKind)[keyof typeof ChangeKind];

export interface Change {
  /** Absolute path inside the container. */
  readonly path: string;
  readonly kind: ChangeKind;
}

/** What the comparison reads of an entry: its lstat and its security.capability xattr. */
export interface ChangeStat {
  readonly isDirectory: boolean;
  /** st_mode: type, permission and setuid/setgid/sticky bits. */
  readonly mode: number;
  readonly uid: number;
  readonly gid: number;
  readonly rdev: bigint;
  readonly size: bigint;
  /** Modification time in nanoseconds. */
  readonly mtimeNs: bigint;
  /** The security.capability xattr as a byte string; null without one. */
  readonly capability: string | null;
}

/** One name of a directory, as the container's view (`current`) and the view below (`previous`) have it. */
export interface PairedEntry {
  readonly name: string;
  readonly current?: ChangeStat;
  readonly previous?: ChangeStat;
  /**
   * The children that may differ, sorted by name: the caller may leave out those it knows to be the same in
   * both views. Called only for an entry whose current side is a directory.
   */
  children(): Iterable<PairedEntry>;
}

/** The changes under a root directory (given as the pair of root entries), in path order. */
export function treeChanges(root: PairedEntry): Change[] {
  const changes: Change[] = [];
  addChanges(root, "", false, changes);
  return changes;
}

/** pkg/archive's FileInfo.addChanges for a directory present in the current view. */
function addChanges(directory: PairedEntry, path: string, reported: boolean, changes: Change[]): void {
  const sizeAtEntry = changes.length;
  for (const child of directory.children()) {
    const childPath = `${path}/${child.name}`;
    const { current, previous } = child;
    if (!current) {
      if (previous) changes.push({ path: childPath, kind: ChangeKind.Delete });
      continue;
    }
    let childReported = false;
    if (!previous) {
      changes.push({ path: childPath, kind: ChangeKind.Add });
      childReported = true;
    } else if (statDifferent(previous, current)) {
      changes.push({ path: childPath, kind: ChangeKind.Modify });
      childReported = true;
    }
    if (current.isDirectory) addChanges(child, childPath, childReported, changes);
  }
  if (changes.length > sizeAtEntry && !reported && path !== "") {
    changes.splice(sizeAtEntry, 0, { path, kind: ChangeKind.Modify });
  }
}

/** pkg/archive's statDifferent, plus the capability comparison next to it: size and time only for non-directories. */
export function statDifferent(previous: ChangeStat, current: ChangeStat): boolean {
  if (previous.mode !== current.mode || previous.uid !== current.uid || previous.gid !== current.gid || previous.rdev !== current.rdev) return true;
  if (!previous.isDirectory && (!sameFsTime(previous.mtimeNs, current.mtimeNs) || previous.size !== current.size)) return true;
  return previous.capability !== current.capability;
}

const SECOND = 1_000_000_000n;

/** pkg/archive's sameFsTimeSpec: the same second, and the same nanoseconds unless either side has none. */
export function sameFsTime(a: bigint, b: bigint): boolean {
  return a / SECOND === b / SECOND && (a % SECOND === b % SECOND || a % SECOND === 0n || b % SECOND === 0n);
}
