import { commandLine, listedNetworksJson, type GoStruct, type MountPointRecord } from "@slipway/container-rules";

/** One row of GET /containers/json, as the domain knows it. */
export interface ContainerSummary {
  id: string;
  names: readonly string[];
  image: string;
  imageId: string;
  command: string;
  /** Unix seconds. */
  created: number;
  state: "created";
  status: "Created";
  ports: [];
  labels: Record<string, string>;
  mounts: MountSummary[];
  networkMode: string;
  /** NetworkSettings.Networks as the list shows it (Go-encoded JSON). */
  networksJson: string;
}

export interface MountSummary {
  type: string;
  name: string;
  source: string;
  destination: string;
  driver: string;
  mode: string;
  rw: boolean;
  propagation: string;
}

/** What the index keeps per container: its row, plus what filters need. */
export interface IndexEntry {
  summary: ContainerSummary;
  /** Created as a string that sorts lexicographically in time order (nanosecond precision). */
  createdKey: string;
  networks: string[];
  /** config.v2.json's MountPoints, for VolumesFrom. */
  mountPoints: MountPointRecord[];
  /** The list row as rendered for these names (the registry's array for them) and shown image, kept until they change (see list-row.ts). */
  listRow?: { names: readonly string[]; image: string; bytes: Buffer };
}

export interface StoredConfigV2 {
  ID: string;
  Created: string;
  Path: string;
  Args: string[] | null;
  Image: string;
  Name: string;
  Config: { Image: string; Labels: Record<string, string> | null } | null;
  NetworkSettings: { Networks: Record<string, GoStruct | null> | null } | null;
  MountPoints: Record<string, StoredMountPoint> | null;
}

/** A MountPoints entry as config.v2.json holds it (omitempty fields may be absent). */
type StoredMountPoint = Omit<MountPointRecord, "Type" | "Relabel" | "Propagation" | "Spec" | "SkipMountpointCreation"> &
  Partial<Pick<MountPointRecord, "Type" | "Relabel" | "Propagation" | "Spec" | "SkipMountpointCreation">>;

/** Builds the index entry from a parsed config.v2.json and hostconfig.json's NetworkMode; throws on a malformed record. */
export function entryFromRecord(record: StoredConfigV2, networkMode: string, names: string[]): IndexEntry {
  if (typeof record.ID !== "string" || typeof record.Created !== "string" || !record.Config)
    throw new Error("config.v2.json lacks ID, Created or Config");
  const mountPoints = Object.values(record.MountPoints ?? {}).map((m) => ({
    ...m,
    Type: m.Type ?? "",
    Relabel: m.Relabel ?? "",
    Propagation: m.Propagation ?? "",
    Spec: m.Spec ?? {},
    SkipMountpointCreation: m.SkipMountpointCreation ?? false,
  }));
  const mounts = mountPoints.map((m) => ({
    type: m.Type,
    name: m.Name,
    source: m.Source,
    destination: m.Destination,
    driver: m.Driver,
    mode: m.Relabel,
    rw: m.RW,
    propagation: m.Propagation,
  }));
  return {
    summary: {
      id: record.ID,
      names,
      image: record.Config.Image,
      imageId: record.Image,
      command: commandLine(record.Path, record.Args ?? []),
      created: Math.floor(Date.parse(`${record.Created.slice(0, 19)}Z`) / 1000),
      state: "created",
      status: "Created",
      ports: [],
      labels: record.Config.Labels ?? {},
      mounts,
      networkMode,
      networksJson: listedNetworksJson(record.NetworkSettings?.Networks ?? null),
    },
    createdKey: createdSortKey(record.Created),
    networks: Object.keys(record.NetworkSettings?.Networks ?? {}),
    mountPoints,
  };
}

function createdSortKey(created: string): string {
  const match = /^(.{19})(?:\.(\d+))?Z$/.exec(created);
  return match ? `${match[1]}.${(match[2] ?? "").padEnd(9, "0")}` : created;
}

const NETWORK_MODE = /"NetworkMode":("(?:[^"\\]|\\.)*")/;

/** hostconfig.json's NetworkMode without parsing the whole document (start-up reads thousands). */
export function networkModeOf(hostConfig: string): string {
  const match = NETWORK_MODE.exec(hostConfig);
  if (!match) throw new Error("hostconfig.json has no NetworkMode");
  return JSON.parse(match[1]!) as string;
}

/** An entry's Created in nanoseconds since the Unix epoch (read off its sort key). */
export function createdNanos(entry: IndexEntry): bigint {
  const [seconds = "", fraction = "0"] = entry.createdKey.split(".");
  return BigInt(Date.parse(`${seconds}Z`) / 1000) * 1_000_000_000n + BigInt(fraction);
}
