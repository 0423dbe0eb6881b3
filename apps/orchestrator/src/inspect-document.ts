import type { ContainerSizes } from "./list-sizes.js";
import { objectFromRaw, rawMembers } from "./raw-json.js";

/** The overlay directories of a container's RW layer, as GraphDriver.Data shows them. */
export interface GraphDriverData {
  readonly lowerDir: string;
  readonly mergedDir: string;
  readonly upperDir: string;
  readonly workDir: string;
}

/** What inspect needs besides the stored container record. */
export interface InspectInputs {
  /** config.v2.json exactly as stored. */
  readonly configV2Json: string;
  /** hostconfig.json exactly as stored. */
  readonly hostConfigJson: string;
  /** The RW layer's directories; undefined when the RW layer is missing. */
  readonly graphDriver: GraphDriverData | undefined;
  /** Volume name to its _data path, for Mounts[].Source. */
  readonly volumeMountpoints: ReadonlyMap<string, string>;
  /** HostConfig.Links as inspect shows them ("/<child>:/<name>/<alias>"), from the registered links. */
  readonly links: readonly string[];
  /** SizeRw and SizeRootFs, shown when asked for (`docker inspect --size`). */
  readonly sizes?: ContainerSizes;
}

interface StoredState {
  Running?: boolean;
  Paused?: boolean;
  Restarting?: boolean;
  OOMKilled?: boolean;
  RemovalInProgress?: boolean;
  Dead?: boolean;
  Pid?: number;
  ExitCode?: number;
  Error?: string;
  StartedAt?: string;
  FinishedAt?: string;
  Health?: unknown;
}

interface StoredMountPoint {
  Source?: string;
  Destination?: string;
  RW?: boolean;
  Name?: string;
  Driver?: string;
  Type?: string;
  Relabel?: string;
  Propagation?: string;
}

interface StoredEndpoint {
  [key: string]: unknown;
}

const ZERO_TIME = "0001-01-01T00:00:00Z";
/** The deprecated top-level NetworkSettings fields API 1.41 still copies from the default endpoint. */
const LEGACY_ENDPOINT_FIELDS = [
  ["EndpointID", '""'],
  ["Gateway", '""'],
  ["GlobalIPv6Address", '""'],
  ["GlobalIPv6PrefixLen", "0"],
  ["IPAddress", '""'],
  ["IPPrefixLen", "0"],
  ["IPv6Gateway", '""'],
  ["MacAddress", '""'],
] as const;

/**
 * The GET /containers/{id}/json document of dockerd 20.10 (types.ContainerJSON, in its key order),
 * spliced from the stored config.v2.json and hostconfig.json so Config and HostConfig pass through byte for byte.
 */
export function inspectDocument(inputs: InspectInputs): string {
  const stored = rawMembers(inputs.configV2Json);
  const raw = (key: string, fallback = "null") => stored.get(key) ?? fallback;
  const state = JSON.parse(raw("State", "{}")) as StoredState;
  return objectFromRaw([
    ["Id", raw("ID", '""')],
    ["Created", raw("Created", JSON.stringify(ZERO_TIME))],
    ["Path", raw("Path", '""')],
    ["Args", raw("Args", "[]")],
    ["State", stateDocument(state)],
    ["Image", raw("Image", '""')],
    ["ResolvConfPath", raw("ResolvConfPath", '""')],
    ["HostnamePath", raw("HostnamePath", '""')],
    ["HostsPath", raw("HostsPath", '""')],
    ["LogPath", raw("LogPath", '""')],
    ["Name", raw("Name", '""')],
    ["RestartCount", raw("RestartCount", "0")],
    ["Driver", raw("Driver", '"overlay2"')],
    ["Platform", raw("OS", '"linux"')],
    ["MountLabel", raw("MountLabel", '""')],
    ["ProcessLabel", raw("ProcessLabel", '""')],
    ["AppArmorProfile", raw("AppArmorProfile", '""')],
    ["ExecIDs", "null"],
    ["HostConfig", hostConfigDocument(inputs.hostConfigJson.trim(), inputs.links)],
    ["GraphDriver", graphDriverDocument(inputs.graphDriver)],
    ...sizeMembers(inputs.sizes),
    ["Mounts", mountsDocument(JSON.parse(raw("MountPoints", "{}")) ?? {}, inputs.volumeMountpoints)],
    ["Config", raw("Config")],
    ["NetworkSettings", networkSettingsDocument(raw("NetworkSettings", "{}"))],
  ]);
}

/** hostconfig.json as stored, except Links: dockerd shows the links it registered (null for none), not the request's form. */
function hostConfigDocument(hostConfigJson: string, links: readonly string[]): string {
  const members = rawMembers(hostConfigJson);
  const stored = members.get("Links");
  if (stored === undefined || (stored === "null" && links.length === 0)) return hostConfigJson;
  members.set("Links", links.length > 0 ? JSON.stringify(links) : "null");
  return objectFromRaw(members);
}

/** State.Status as dockerd derives it (container.State.StateString). */
export function stateStatus(state: StoredState): string {
  if (state.Running) return state.Paused ? "paused" : state.Restarting ? "restarting" : "running";
  if (state.RemovalInProgress) return "removing";
  if (state.Dead) return "dead";
  return !state.StartedAt || state.StartedAt === ZERO_TIME ? "created" : "exited";
}

function stateDocument(state: StoredState): string {
  const document: Record<string, unknown> = {
    Status: stateStatus(state),
    Running: state.Running ?? false,
    Paused: state.Paused ?? false,
    Restarting: state.Restarting ?? false,
    OOMKilled: state.OOMKilled ?? false,
    Dead: state.Dead ?? false,
    Pid: state.Pid ?? 0,
    ExitCode: state.ExitCode ?? 0,
    Error: state.Error ?? "",
    StartedAt: state.StartedAt ?? ZERO_TIME,
    FinishedAt: state.FinishedAt ?? ZERO_TIME,
  };
  if (state.Health != null) document.Health = state.Health;
  return JSON.stringify(document);
}

function graphDriverDocument(data: GraphDriverData | undefined): string {
  const fields = data ? { LowerDir: data.lowerDir, MergedDir: data.mergedDir, UpperDir: data.upperDir, WorkDir: data.workDir } : {};
  return JSON.stringify({ Data: fields, Name: "overlay2" });
}

function sizeMembers(sizes: ContainerSizes | undefined): [string, string][] {
  return sizes
    ? [
        ["SizeRw", String(sizes.sizeRw)],
        ["SizeRootFs", String(sizes.sizeRootFs)],
      ]
    : [];
}

/** Mounts sorted by destination (dockerd iterates a map, so its order is random). */
function mountsDocument(points: Record<string, StoredMountPoint>, mountpoints: ReadonlyMap<string, string>): string {
  const mounts = Object.values(points)
    .sort((a, b) => (a.Destination ?? "").localeCompare(b.Destination ?? ""))
    .map((p) => ({
      Type: p.Type ?? "volume",
      ...(p.Name ? { Name: p.Name } : {}),
      Source: p.Source || (p.Name ? (mountpoints.get(p.Name) ?? "") : ""),
      Destination: p.Destination ?? "",
      ...(p.Driver ? { Driver: p.Driver } : {}),
      Mode: p.Relabel ?? "",
      RW: p.RW ?? false,
      Propagation: p.Propagation ?? "",
    }));
  return JSON.stringify(mounts);
}

/** The API's NetworkSettings: stored fields, Ports as {}, the legacy default-endpoint fields, Networks without internals. */
function networkSettingsDocument(storedJson: string): string {
  const stored = rawMembers(storedJson);
  const networks = JSON.parse(stored.get("Networks") ?? "{}") as Record<string, StoredEndpoint> | null;
  const endpoints = Object.entries(networks ?? {}).map(([name, endpoint]) => {
    const { IPAMOperational: _internal, DesiredMacAddress: _desired, ...api } = endpoint;
    return [name, api] as const;
  });
  const primary = endpoints.find(([name]) => name === "bridge")?.[1] ?? endpoints[0]?.[1];
  const raw = (key: string, fallback: string) => stored.get(key) ?? fallback;
  const ports = raw("Ports", "null");
  return objectFromRaw([
    ["Bridge", raw("Bridge", '""')],
    ["SandboxID", raw("SandboxID", '""')],
    ["HairpinMode", raw("HairpinMode", "false")],
    ["LinkLocalIPv6Address", raw("LinkLocalIPv6Address", '""')],
    ["LinkLocalIPv6PrefixLen", raw("LinkLocalIPv6PrefixLen", "0")],
    ["Ports", ports === "null" ? "{}" : ports],
    ["SandboxKey", raw("SandboxKey", '""')],
    ["SecondaryIPAddresses", raw("SecondaryIPAddresses", "null")],
    ["SecondaryIPv6Addresses", raw("SecondaryIPv6Addresses", "null")],
    ...LEGACY_ENDPOINT_FIELDS.map(([key, zero]) => [key, primary?.[key] !== undefined ? JSON.stringify(primary[key]) : zero] as const),
    ["Networks", JSON.stringify(Object.fromEntries(endpoints))],
  ]);
}
