import { goJson } from "./go-json.js";
import { cleanPath } from "./go-path.js";

/*
 * The path rules of `docker cp` (the /containers/{id}/archive endpoints), as dockerd 20.10's container and
 * pkg/archive packages apply them: how the client's path is read, which mount covers it, how the archive's
 * entries are named, and the X-Docker-Container-Path-Stat header.
 */

/**
 * The client's path as an absolute container path, keeping a trailing "/" or "/." (moby's
 * PreserveTrailingDotOrSeparator over filepath.Join("/", path)): they decide how the CLI copies.
 */
export function absoluteContainerPath(path: string): string {
  const clean = cleanPath(`/${path}`);
  if (path.endsWith("/.") || path === ".") return clean === "/" ? "/." : `${clean}/.`;
  if (path.endsWith("/") && clean !== "/") return `${clean}/`;
  return clean;
}

/** filepath.Split of an absolute path: its directory (with the trailing "/") and its last element. */
export function splitContainerPath(absolutePath: string): { directory: string; base: string } {
  const slash = absolutePath.lastIndexOf("/");
  return { directory: absolutePath.slice(0, slash + 1), base: absolutePath.slice(slash + 1) };
}

/** filepath.Base: the last element of a path, "/" for the root. */
export function baseName(path: string): string {
  const clean = path.replace(/\/+$/, "");
  if (clean === "") return path === "" ? "." : "/";
  return clean.slice(clean.lastIndexOf("/") + 1);
}

/** Anything mounted at a destination in a container's filesystem. */
export interface MountedAt {
  /** Absolute, clean path inside the container. */
  readonly destination: string;
}

/**
 * The mount that shows at a clean absolute container path: the one with the longest destination that is
 * the path or one of its parents (a mount inside another's destination hides that part of it).
 */
export function coveringMount<M extends MountedAt>(mounts: readonly M[], path: string): M | undefined {
  let best: M | undefined;
  for (const mount of mounts) {
    const destination = cleanPath(mount.destination);
    const covers = destination === "/" || path === destination || path.startsWith(`${destination}/`);
    if (covers && (!best || destination.length > cleanPath(best.destination).length)) best = mount;
  }
  return best;
}

/** The path below a mount's destination ("" for the destination itself). */
export function pathInMount(mount: MountedAt, path: string): string {
  const destination = cleanPath(mount.destination);
  return destination === "/" ? path.slice(1) : path.slice(destination.length + 1);
}

/**
 * The name of an archive entry of GET /containers/{id}/archive: the archived path's base name as the client
 * asked for it ("/" for the root, "." for a path ending in "/."), then the entry's path below it
 * (moby's TarResourceRebase); directories end in "/".
 */
export function archiveEntryName(rebaseName: string, below: string, isDirectory: boolean): string {
  const name = below === "" ? rebaseName : rebaseName.endsWith("/") ? `${rebaseName}${below}` : `${rebaseName}/${below}`;
  return isDirectory && !name.endsWith("/") ? `${name}/` : name;
}

/** A path's stat as the X-Docker-Container-Path-Stat header carries it (types.ContainerPathStat). */
export interface ContainerPathStat {
  readonly name: string;
  readonly size: number;
  /** The unix st_mode. */
  readonly mode: number;
  readonly mtimeSeconds: number;
  readonly mtimeNanos: number;
  readonly linkTarget: string;
}

/** The header's value: base64 of the stat's JSON, with Go's os.FileMode and time.Time encodings. */
export function pathStatHeader(stat: ContainerPathStat): string {
  const json = goJson({
    name: stat.name,
    size: stat.size,
    mode: goFileMode(stat.mode),
    mtime: goTime(stat.mtimeSeconds, stat.mtimeNanos),
    linkTarget: stat.linkTarget,
  });
  return Buffer.from(json).toString("base64");
}

const S_IFMT = 0o170000;
/** Go's os.FileMode type bits for each unix file type. */
const GO_TYPE_BITS = new Map([
  [0o040000, 2 ** 31], // ModeDir
  [0o120000, 2 ** 27], // ModeSymlink
  [0o010000, 2 ** 25], // ModeNamedPipe
  [0o140000, 2 ** 24], // ModeSocket
  [0o060000, 2 ** 26], // ModeDevice
  [0o020000, 2 ** 26 + 2 ** 21], // ModeDevice | ModeCharDevice
]);

/** Go's os.FileMode of a unix st_mode (as Go's os.Lstat builds it): type, set-ID and sticky bits moved. */
export function goFileMode(unixMode: number): number {
  let mode = (unixMode & 0o777) + (GO_TYPE_BITS.get(unixMode & S_IFMT) ?? 0);
  if (unixMode & 0o4000) mode += 2 ** 23; // ModeSetuid
  if (unixMode & 0o2000) mode += 2 ** 22; // ModeSetgid
  if (unixMode & 0o1000) mode += 2 ** 20; // ModeSticky
  return mode;
}

/** Go's time.Time JSON (RFC 3339 with nanoseconds, trailing zeros dropped) in UTC, as dockerd's daemon writes it. */
export function goTime(seconds: number, nanos: number): string {
  const base = new Date(seconds * 1000).toISOString().slice(0, 19);
  const fraction = nanos > 0 ? `.${String(nanos).padStart(9, "0").replace(/0+$/, "")}` : "";
  return `${base}${fraction}Z`;
}
