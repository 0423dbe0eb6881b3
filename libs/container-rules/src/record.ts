import { goJson, goJsonLine, RawJson } from "@slipway/docker-spec";
import { ENGINE } from "./engine-target.js";
import { encodeGo } from "./go-encode.js";
import type { GoStruct } from "./go-types.js";
import { badRequest } from "./model.js";
import type { MountPointRecord } from "./mounts.js";
import { endpointSettingsType, mountType } from "./schemas.js";
import type { SecurityFields } from "./security-opts.js";

/** What config.v2.json is built from; the JSON parts are already in Go's form. */
export interface ContainerRecordParts {
  id: string;
  /** RFC3339Nano, UTC, trailing zeros trimmed. */
  created: string;
  path: string;
  args: readonly string[];
  configJson: string;
  /** "sha256:<hex>", or "" for an image-less container. */
  imageId: string;
  /** NetworkSettings.Networks, Go-encoded. */
  networksJson: string;
  name: string;
  /** True when dockerd would have generated the name (NetworkSettings.IsAnonymousEndpoint). */
  anonymousEndpoint: boolean;
  mountPoints: ReadonlyMap<string, MountPointRecord>;
  security: SecurityFields;
}

const ZERO_TIME = "0001-01-01T00:00:00Z";

/** config.v2.json of a created (never started) container, byte for byte as dockerd 20.10 writes it. */
export function renderConfigV2(parts: ContainerRecordParts): string {
  const state = {
    Running: false,
    Paused: false,
    Restarting: false,
    OOMKilled: false,
    ...(ENGINE.stateHasRemovalInProgress ? { RemovalInProgress: false } : {}),
    Dead: false,
    Pid: 0,
    ExitCode: 0,
    Error: "",
    StartedAt: ZERO_TIME,
    FinishedAt: ZERO_TIME,
    Health: null,
  };
  const mountPoints = new Map([...parts.mountPoints.entries()].sort(([a], [b]) => (a < b ? -1 : 1)).map(([k, v]) => [k, encodeMountPoint(v)]));
  return goJsonLine({
    StreamConfig: {},
    State: state,
    ID: parts.id,
    Created: parts.created,
    Managed: false,
    Path: parts.path,
    Args: parts.args,
    Config: new RawJson(parts.configJson),
    Image: parts.imageId,
    NetworkSettings: {
      Bridge: "",
      SandboxID: "",
      HairpinMode: false,
      LinkLocalIPv6Address: "",
      LinkLocalIPv6PrefixLen: 0,
      Networks: new RawJson(parts.networksJson),
      Service: null,
      Ports: null,
      SandboxKey: "",
      SecondaryIPAddresses: null,
      SecondaryIPv6Addresses: null,
      IsAnonymousEndpoint: parts.anonymousEndpoint,
      HasSwarmEndpoint: false,
    },
    LogPath: "",
    Name: parts.name,
    Driver: "overlay2",
    OS: "linux",
    MountLabel: "",
    ProcessLabel: "",
    RestartCount: 0,
    HasBeenStartedBefore: false,
    HasBeenManuallyStopped: false,
    MountPoints: mountPoints,
    SecretReferences: null,
    ConfigReferences: null,
    AppArmorProfile: parts.security.AppArmorProfile,
    HostnamePath: "",
    HostsPath: "",
    ShmPath: "",
    ResolvConfPath: "",
    SeccompProfile: parts.security.SeccompProfile,
    NoNewPrivileges: parts.security.NoNewPrivileges,
    LocalLogCacheMeta: { HaveNotifyEnabled: false },
  });
}

function encodeMountPoint(point: MountPointRecord): Record<string, unknown> {
  return {
    Source: point.Source,
    Destination: point.Destination,
    RW: point.RW,
    Name: point.Name,
    Driver: point.Driver,
    ...(point.Type ? { Type: point.Type } : {}),
    ...(point.Relabel ? { Relabel: point.Relabel } : {}),
    ...(point.Propagation ? { Propagation: point.Propagation } : {}),
    Spec: encodeGo(mountType, { ...point.Spec }),
    SkipMountpointCreation: point.SkipMountpointCreation,
  };
}

/** A volume created (or found) for a container's volume mount point. */
export interface AttachedVolume {
  destination: string;
  name: string;
  driver: string;
  /** Config.Volumes paths only: Binds and Mounts decide it themselves. */
  rw: boolean;
  /** The volume's _data directory. */
  source: string;
}

/**
 * The mount points of Binds and Mounts with their volumes filled in (name, driver and _data path, as
 * registerMountPoints records them), plus one for each other volume: a Config.Volumes anonymous volume,
 * whose Source and Spec stay empty at create. Every volume mount point of Binds and Mounts needs its
 * volume, under the name it asks for.
 */
export function attachVolumes(points: ReadonlyMap<string, MountPointRecord>, volumes: readonly AttachedVolume[]): Map<string, MountPointRecord> {
  const attached = new Map(points);
  for (const volume of volumes) {
    const point = points.get(volume.destination);
    if (volume.name === "") throw badRequest(`mount point ${volume.destination}: the volume has no name`);
    if (point && point.Type !== "volume") throw badRequest(`mount point ${volume.destination} is a ${point.Type} mount, not a volume`);
    if (point && point.Name !== "" && point.Name !== volume.name)
      throw badRequest(`mount point ${volume.destination} mounts volume ${point.Name}, not ${volume.name}`);
    attached.set(
      volume.destination,
      // A volume of Binds or Mounts (here or in a VolumesFrom container) records where it is; one of Config.Volumes does not.
      point
        ? { ...point, Name: volume.name, Driver: volume.driver, Source: point.Spec.Type === "volume" ? volume.source : point.Source }
        : {
            Source: "",
            Destination: volume.destination,
            RW: volume.rw,
            Name: volume.name,
            Driver: volume.driver,
            Type: "volume",
            Relabel: "",
            Propagation: "",
            Spec: {},
            SkipMountpointCreation: false,
          },
    );
  }
  const given = new Set(volumes.map((v) => v.destination));
  const missing = [...points.values()].find((point) => point.Type === "volume" && !given.has(point.Destination));
  if (missing) throw badRequest(`mount point ${missing.Destination} has no volume: pass the volume created for it`);
  return attached;
}

/** Go's time.Time RFC3339Nano for a Date plus extra nanoseconds: UTC, fraction without trailing zeros. */
export function rfc3339Nano(date: Date, extraNanos = 0): string {
  const iso = date.toISOString();
  const nanos = String(date.getUTCMilliseconds() * 1_000_000 + extraNanos)
    .padStart(9, "0")
    .replace(/0+$/, "");
  return `${iso.slice(0, 19)}${nanos ? `.${nanos}` : ""}Z`;
}

/** `docker ps` COMMAND: Path and Args joined by spaces, arguments with a space wrapped in single quotes. */
export function commandLine(path: string, args: readonly string[]): string {
  return [path, ...args].map((part, i) => (i > 0 && part.includes(" ") ? `'${part}'` : part)).join(" ");
}

/** The endpoint fields the container list copies (daemon/container/view.go transform); the rest stay zero. */
const LISTED_ENDPOINT_FIELDS = [
  "IPAMConfig",
  "NetworkID",
  "EndpointID",
  "Gateway",
  "IPAddress",
  "IPPrefixLen",
  "IPv6Gateway",
  "GlobalIPv6Address",
  "GlobalIPv6PrefixLen",
  "MacAddress",
];

/** NetworkSettings.Networks as GET /containers/json renders it, from the stored networks. */
export function listedNetworksJson(networks: Record<string, GoStruct | null> | null): string {
  const entries = Object.entries(networks ?? {})
    .filter(([, endpoint]) => endpoint !== null)
    .sort(([a], [b]) => (a < b ? -1 : 1));
  return goJson(
    new Map(
      entries.map(([name, endpoint]) => {
        const listed = Object.fromEntries(LISTED_ENDPOINT_FIELDS.map((field) => [field, endpoint![field]]));
        return [name, encodeGo(endpointSettingsType, listed)];
      }),
    ),
  );
}
