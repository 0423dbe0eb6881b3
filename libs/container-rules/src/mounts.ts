import { cleanPath } from "@slipway/docker-spec";
import type { ContainerResolver } from "./defaults.js";
import { badRequest, serverError, type HostConfig, type Mount } from "./model.js";

/** Asks the host whether a path exists (bind sources); the only I/O the rules need, supplied by the app. */
export type PathProbe = (path: string) => boolean;

/** A config.v2.json MountPoints entry (volume/mounts.MountPoint as 20.10 serialises it). */
export interface MountPointRecord {
  Source: string;
  Destination: string;
  RW: boolean;
  Name: string;
  Driver: string;
  Type: string;
  Relabel: string;
  Propagation: string;
  Spec: Partial<Mount>;
  SkipMountpointCreation: boolean;
  /** Seed the volume from the image while it is empty; like moby's, never serialised. */
  CopyData?: boolean;
}

/** The mount points of an existing container (from its config.v2.json), for VolumesFrom. */
export type ContainerMountPoints = (containerId: string) => readonly MountPointRecord[];

const PROPAGATION = new Set(["private", "rprivate", "shared", "rshared", "slave", "rslave"]);
const MODE_KINDS: ReadonlyArray<(o: string) => boolean> = [
  (o) => o === "rw" || o === "ro",
  (o) => o === "z" || o === "Z",
  (o) => PROPAGATION.has(o),
  (o) => o === "nocopy",
  (o) => o === "consistent" || o === "cached" || o === "delegated",
];

/** linuxValidMountMode: comma-separated options, each known, at most one of each kind. */
function isValidMode(mode: string): boolean {
  if (mode === "") return true;
  const counts = MODE_KINDS.map(() => 0);
  for (const option of mode.split(",")) {
    const kind = MODE_KINDS.findIndex((test) => test(option));
    if (kind < 0) return false;
    counts[kind]! += 1;
  }
  return counts.every((n) => n <= 1);
}

const mountError = (mount: Partial<Mount>, reason: string) => `invalid mount config for type ${JSON.stringify(mount.Type ?? "")}: ${reason}`;

/** validateMountConfig (linux parser): the reasons dockerd gives, each prefixed with the mount type. */
export function validateMountConfig(mount: Partial<Mount>, probe: PathProbe, bindSourceMustExist: boolean): void {
  const fail = (reason: string) => badRequest(mountError(mount, reason));
  const target = mount.Target ?? "";
  if (target === "") throw fail("field Target must not be empty");
  if (cleanPath(target) === "/") throw fail("invalid specification: destination can't be '/'");
  if (!target.startsWith("/")) throw fail(`invalid mount path: '${target}' mount path must be absolute`);
  switch (mount.Type) {
    case "bind":
      if (!mount.Source) throw fail("field Source must not be empty");
      if (mount.BindOptions?.Propagation && !PROPAGATION.has(mount.BindOptions.Propagation)) {
        throw fail(`invalid propagation mode: ${mount.BindOptions.Propagation}`);
      }
      if (mount.VolumeOptions) throw fail("field VolumeOptions must not be specified");
      if (!mount.Source.startsWith("/")) throw fail(`invalid mount path: '${mount.Source}' mount path must be absolute`);
      if (bindSourceMustExist && !probe(mount.Source)) throw fail(`bind source path does not exist: ${mount.Source}`);
      return;
    case "volume":
      if (mount.BindOptions) throw fail("field BindOptions must not be specified");
      if (!mount.Source && mount.ReadOnly) throw fail("must not set ReadOnly mode when using anonymous volumes");
      return;
    case "tmpfs":
      if (mount.BindOptions) throw fail("field BindOptions must not be specified");
      if (mount.Source) throw fail("field Source must not be specified");
      return;
    default:
      throw fail("mount type unknown");
  }
}

/**
 * ParseMountRaw for one `-v` entry: an absolute source is a bind, any other a named volume, a lone path an
 * anonymous volume; HostConfig.VolumeDriver goes into a volume's Spec. Syntax errors are 500s in 20.10.
 */
function parseBind(raw: string, probe: PathProbe, volumeDriver: string): MountPointRecord {
  const invalidSpec = `invalid volume specification: '${raw}'`;
  const parts = splitN(raw, ":", 4);
  if (parts[0] === "" || parts.length > 3) throw serverError(invalidSpec);
  if (parts.length === 2 && isValidMode(parts[1]!)) throw serverError(invalidSpec);
  const [source, target, mode = ""] = parts.length === 1 ? ["", parts[0]!] : parts;
  if (!isValidMode(mode)) throw serverError(`invalid mode: ${mode}`);
  const options = mode.split(",");
  const type = source!.startsWith("/") ? "bind" : "volume";
  const spec: Partial<Mount> = { Type: type, ...(source ? { Source: source } : {}), Target: target };
  if (options.includes("ro")) spec.ReadOnly = true;
  if (volumeDriver !== "" && type === "volume")
    spec.VolumeOptions = { NoCopy: false, Labels: null, DriverConfig: { Name: volumeDriver, Options: null } };
  if (options.includes("nocopy")) spec.VolumeOptions = { Labels: null, DriverConfig: null, ...spec.VolumeOptions, NoCopy: true };
  const propagation = options.find((o) => PROPAGATION.has(o));
  if (propagation) spec.BindOptions = { Propagation: propagation, NonRecursive: false };
  try {
    validateMountConfig(spec, probe, false);
  } catch (err) {
    throw serverError(`${invalidSpec}: ${(err as Error).message}`);
  }
  return mountPointOf(spec, mode);
}

/**
 * The mount point dockerd records for a parsed spec. A volume's Source (its _data directory) and an
 * anonymous volume's Name are known only once the volume exists; local volumes get SELinux mode "z"
 * when the mount gives none (setBindModeIfNull).
 */
function mountPointOf(spec: Partial<Mount>, mode: string): MountPointRecord {
  const volume = spec.Type === "volume";
  return {
    Source: spec.Type === "bind" ? cleanPath(spec.Source ?? "") : "",
    Destination: cleanPath(spec.Target ?? ""),
    RW: !spec.ReadOnly,
    Name: volume ? (spec.Source ?? "") : "",
    Driver: volume ? "local" : "",
    Type: spec.Type ?? "",
    Relabel: volume ? mode || "z" : mode,
    Propagation: spec.Type === "bind" ? spec.BindOptions?.Propagation || "rprivate" : "",
    Spec: spec,
    SkipMountpointCreation: false,
    CopyData: volume && !spec.VolumeOptions?.NoCopy,
  };
}

/** A volume a container mounts, to be created (or found) before its record is written. */
export interface ContainerVolume {
  destination: string;
  /** "" for an anonymous volume: it is named when created. */
  name: string;
  driver: string;
  /** Seed the volume with the image's content at destination while it is empty. */
  copyData: boolean;
  /** A mount's VolumeOptions.Labels, for a volume the create makes. */
  labels: Record<string, string>;
  /** A mount's VolumeOptions.DriverConfig.Options, for a volume the create makes. */
  driverOpts: Record<string, string>;
}

/** The volume behind a volume mount point of VolumesFrom, Binds or Mounts. */
export function volumeOf(point: MountPointRecord): ContainerVolume {
  const options = point.Spec.VolumeOptions;
  const driver = options?.DriverConfig?.Name || "local";
  return {
    destination: point.Destination,
    name: point.Name,
    driver,
    copyData: point.CopyData ?? false,
    labels: options?.Labels ?? {},
    driverOpts: options?.DriverConfig?.Options ?? {},
  };
}

/** What registerMountPoints needs to know about the daemon and its containers. */
export interface MountContext {
  probe: PathProbe;
  resolveContainer: ContainerResolver;
  mountPointsOfContainer: ContainerMountPoints;
  /** The daemon's root as it sees it. */
  daemonRoot: string;
}

/**
 * registerMountPoints: the mount points of VolumesFrom, then Binds, then Mounts, keyed by destination (a
 * bind or mount replaces a point taken from another container), and dockerd's "Duplicate mount point"
 * (400) when two binds or mounts land on one path, or a bind on a tmpfs.
 */
export function mountPointsOf(host: HostConfig, context: MountContext): Map<string, MountPointRecord> {
  const points = new Map<string, MountPointRecord>();
  for (const spec of host.VolumesFrom ?? []) {
    for (const point of volumesFrom(spec, context)) points.set(point.Destination, point);
  }
  const bound = new Set<string>();
  const add = (point: MountPointRecord, duplicate: boolean, target: string) => {
    if (duplicate) throw badRequest(`Duplicate mount point: ${target}`);
    bound.add(point.Destination);
    points.set(point.Destination, withDaemonRootPropagation(point, context.daemonRoot));
  };
  for (const raw of host.Binds ?? []) {
    const point = parseBind(raw, context.probe, host.VolumeDriver);
    add(point, bound.has(point.Destination) || host.Tmpfs?.[point.Destination] !== undefined, point.Destination);
  }
  for (const mount of host.Mounts ?? []) {
    // A bind from Mounts must name an existing source, so dockerd skips creating its mount point.
    const point = { ...mountPointOf(compactMount(mount), ""), SkipMountpointCreation: mount.Type === "bind" };
    add(point, bound.has(point.Destination), mount.Target);
  }
  return points;
}

/**
 * validateBindDaemonRoot: a bind whose source lies in the daemon root, or contains it (as plain string
 * prefixes), gets rslave propagation when it asks for none, and is refused with another private mode.
 */
function withDaemonRootPropagation(point: MountPointRecord, daemonRoot: string): MountPointRecord {
  const { Type, Source = "", BindOptions } = point.Spec;
  if (Type !== "bind" || (!Source.startsWith(daemonRoot) && !daemonRoot.startsWith(Source))) return point;
  const propagation = BindOptions?.Propagation ?? "";
  if (propagation === "") return { ...point, Propagation: "rslave" };
  if (propagation === "rslave" || propagation === "rshared") return point;
  throw badRequest(
    `invalid mount config: must use either propagation mode "rslave" or "rshared" when mount source is within the daemon root, daemon root: ${JSON.stringify(daemonRoot)}, bind mount source: ${JSON.stringify(Source)}, propagation: ${JSON.stringify(propagation)}`,
  );
}

/**
 * ParseVolumesFrom ("<container>[:ro|rw]") and the copy of each of that container's mount points:
 * read-only when either is, its own Relabel mode dropped, and nothing copied into its volumes again.
 */
function volumesFrom(spec: string, { resolveContainer, mountPointsOfContainer }: MountContext): MountPointRecord[] {
  if (spec === "") throw serverError("volumes-from specification cannot be an empty string");
  const [source = "", mode = "rw"] = splitN(spec, ":", 2);
  const options = mode.split(",");
  if (!isValidMode(mode) || options.some((o) => PROPAGATION.has(o) || o === "nocopy")) throw serverError(`invalid mode: ${mode}`);
  const id = resolveContainer(source);
  if (id === undefined) throw badRequest(`No such container: ${source}`);
  return mountPointsOfContainer(id).map((m) => ({
    Source: m.Source,
    Destination: m.Destination,
    RW: m.RW && !options.includes("ro"),
    Name: m.Name,
    Driver: m.Driver,
    Type: m.Type,
    Relabel: "",
    Propagation: m.Propagation,
    Spec: m.Spec,
    SkipMountpointCreation: false,
    CopyData: false,
  }));
}

/** A decoded mount.Mount reduced to what its omitempty fields keep, as Spec is written. */
function compactMount(mount: Mount): Partial<Mount> {
  return Object.fromEntries(Object.entries(mount).filter(([, v]) => v !== null && v !== "" && v !== false)) as Partial<Mount>;
}

function splitN(text: string, sep: string, n: number): string[] {
  const parts = text.split(sep);
  return parts.length <= n ? parts : [...parts.slice(0, n - 1), parts.slice(n - 1).join(sep)];
}
