import { parseFlags, UsageError, type FlagSpec } from "./flags.js";
import { ramInBytes } from "@slipway/docker-spec";

export const CREATE_FLAGS: readonly FlagSpec[] = [
  { long: "interactive", short: "i", kind: "bool" },
  { long: "tty", short: "t", kind: "bool" },
  { long: "name", kind: "string" },
  { long: "env", short: "e", kind: "list" },
  { long: "entrypoint", kind: "string" },
  { long: "publish", short: "p", kind: "list" },
  { long: "restart", kind: "string" },
  { long: "memory", short: "m", kind: "string" },
  { long: "workdir", short: "w", kind: "string" },
  { long: "user", short: "u", kind: "string" },
  { long: "label", short: "l", kind: "list" },
  { long: "volume", short: "v", kind: "list" },
];

/** What `slipway create` sends: the name (query parameter in the Engine API) and the body. */
export interface CreateRequest {
  readonly name: string;
  readonly image: string;
  /** The POST /containers/create body, byte for byte as docker CLI 28 encodes it (Go struct order, trailing newline). */
  readonly body: Buffer;
}

export interface ClientEnvironment {
  /** The client's environment, for `-e NAME` without a value. */
  readonly env: NodeJS.ProcessEnv;
  /** [rows, columns] of the client's terminal with -t, as the CLI sends it; [0, 0] without one. */
  readonly consoleSize: readonly [number, number];
}

interface PortBinding {
  HostIp: string;
  HostPort: string;
}

/** Translates `create` arguments into the request the docker CLI would send for them. */
export function createRequestFromArgs(args: readonly string[], client: ClientEnvironment): CreateRequest {
  const flags = parseFlags(args, CREATE_FLAGS, true);
  const [image, ...command] = flags.positionals;
  if (!image) throw new UsageError('"create" requires at least 1 argument: slipway create [OPTIONS] IMAGE [COMMAND] [ARG...]');
  const list = (name: string) => flags.lists.get(name) ?? [];
  const interactive = flags.bools.has("interactive");
  const tty = flags.bools.has("tty");
  const { exposedPorts, portBindings } = parsePorts(list("publish"));
  const { binds, volumes } = parseVolumes(list("volume"));
  const env = list("env").map((e) => withClientValue(e, client.env));
  const entrypoint = flags.strings.get("entrypoint");
  const config = {
    Hostname: "",
    Domainname: "",
    User: flags.strings.get("user") ?? "",
    AttachStdin: interactive,
    AttachStdout: true,
    AttachStderr: true,
    ...(Object.keys(exposedPorts).length > 0 ? { ExposedPorts: exposedPorts } : {}),
    Tty: tty,
    OpenStdin: interactive,
    StdinOnce: interactive,
    Env: env.length > 0 ? env : null,
    Cmd: command.length > 0 ? command : null,
    Image: image,
    Volumes: volumes,
    WorkingDir: flags.strings.get("workdir") ?? "",
    Entrypoint: entrypoint === undefined ? null : [entrypoint],
    OnBuild: null,
    Labels: parseLabels(list("label")),
  };
  const hostConfig = hostConfigFor({
    binds,
    portBindings,
    restartPolicy: parseRestartPolicy(flags.strings.get("restart") ?? "no"),
    memory: flags.strings.has("memory") ? ramInBytes(flags.strings.get("memory")!) : 0,
    consoleSize: tty ? client.consoleSize : [0, 0],
  });
  const body = { ...config, HostConfig: hostConfig, NetworkingConfig: { EndpointsConfig: { default: DEFAULT_ENDPOINT } } };
  return { name: flags.strings.get("name") ?? "", image, body: Buffer.from(`${JSON.stringify(body)}\n`) };
}

const DEFAULT_ENDPOINT = {
  IPAMConfig: null,
  Links: null,
  Aliases: null,
  MacAddress: "",
  DriverOpts: null,
  GwPriority: 0,
  NetworkID: "",
  EndpointID: "",
  Gateway: "",
  IPAddress: "",
  IPPrefixLen: 0,
  IPv6Gateway: "",
  GlobalIPv6Address: "",
  GlobalIPv6PrefixLen: 0,
  DNSNames: null,
};

interface HostConfigInputs {
  readonly binds: string[];
  readonly portBindings: Record<string, PortBinding[]>;
  readonly restartPolicy: { Name: string; MaximumRetryCount: number };
  readonly memory: number;
  readonly consoleSize: readonly [number, number];
}

/** HostConfig in docker CLI 28's order and defaults (it sends MemorySwappiness -1 and empty device lists). */
function hostConfigFor(inputs: HostConfigInputs) {
  return {
    Binds: inputs.binds.length > 0 ? inputs.binds : null,
    ContainerIDFile: "",
    LogConfig: { Type: "", Config: {} },
    NetworkMode: "default",
    PortBindings: inputs.portBindings,
    RestartPolicy: inputs.restartPolicy,
    AutoRemove: false,
    VolumeDriver: "",
    VolumesFrom: null,
    ConsoleSize: [...inputs.consoleSize],
    CapAdd: null,
    CapDrop: null,
    CgroupnsMode: "",
    Dns: [],
    DnsOptions: [],
    DnsSearch: [],
    ExtraHosts: null,
    GroupAdd: null,
    IpcMode: "",
    Cgroup: "",
    Links: null,
    OomScoreAdj: 0,
    PidMode: "",
    Privileged: false,
    PublishAllPorts: false,
    ReadonlyRootfs: false,
    SecurityOpt: null,
    UTSMode: "",
    UsernsMode: "",
    ShmSize: 0,
    Isolation: "",
    CpuShares: 0,
    Memory: inputs.memory,
    NanoCpus: 0,
    CgroupParent: "",
    BlkioWeight: 0,
    BlkioWeightDevice: [],
    BlkioDeviceReadBps: [],
    BlkioDeviceWriteBps: [],
    BlkioDeviceReadIOps: [],
    BlkioDeviceWriteIOps: [],
    CpuPeriod: 0,
    CpuQuota: 0,
    CpuRealtimePeriod: 0,
    CpuRealtimeRuntime: 0,
    CpusetCpus: "",
    CpusetMems: "",
    Devices: [],
    DeviceCgroupRules: null,
    DeviceRequests: null,
    MemoryReservation: 0,
    MemorySwap: 0,
    MemorySwappiness: -1,
    OomKillDisable: false,
    PidsLimit: 0,
    Ulimits: [],
    CpuCount: 0,
    CpuPercent: 0,
    IOMaximumIOps: 0,
    IOMaximumBandwidth: 0,
    MaskedPaths: null,
    ReadonlyPaths: null,
  };
}

/** `-e NAME` takes NAME's value from the client's environment when it has one, as the docker CLI does. */
function withClientValue(entry: string, env: NodeJS.ProcessEnv): string {
  if (entry.includes("=")) return entry;
  if (entry === "") throw new UsageError("invalid environment variable: an empty name");
  return env[entry] !== undefined ? `${entry}=${env[entry]}` : entry;
}

/** `-p [ip:][hostPort:]containerPort[/proto]` → ExposedPorts and PortBindings. */
export function parsePorts(specs: readonly string[]) {
  const exposedPorts: Record<string, Record<string, never>> = {};
  const portBindings: Record<string, PortBinding[]> = {};
  for (const spec of specs) {
    const [address, proto = "tcp"] = spec.split("/") as [string, string?];
    const parts = address.split(":");
    if (parts.length > 3) throw new UsageError(`invalid port specification: "${spec}"`);
    const containerPort = parts.at(-1)!;
    const hostPort = parts.length >= 2 ? parts.at(-2)! : "";
    const hostIp = parts.length === 3 ? parts[0]! : "";
    if (!isPort(containerPort) || (hostPort !== "" && !isPort(hostPort)) || !["tcp", "udp", "sctp"].includes(proto)) {
      throw new UsageError(`invalid port specification: "${spec}"`);
    }
    const key = `${containerPort}/${proto}`;
    exposedPorts[key] = {};
    portBindings[key] = [...(portBindings[key] ?? []), { HostIp: hostIp, HostPort: hostPort }];
  }
  return { exposedPorts, portBindings };
}

function isPort(text: string): boolean {
  return /^\d+$/.test(text) && Number(text) >= 1 && Number(text) <= 65535;
}

/** `-v /path` is an anonymous volume (Config.Volumes); `-v src:/dst[:mode]` a bind or named volume (Binds). */
export function parseVolumes(specs: readonly string[]) {
  const binds: string[] = [];
  const volumes: Record<string, Record<string, never>> = {};
  for (const spec of specs) {
    const parts = spec.split(":");
    if (parts.some((p) => p === "") || parts.length > 3) throw new UsageError(`invalid volume specification: '${spec}'`);
    const destination = parts.length === 1 ? parts[0]! : parts[1]!;
    if (!destination.startsWith("/")) {
      throw new UsageError(`invalid volume specification: '${spec}': invalid mount path: '${destination}' mount path must be absolute`);
    }
    if (parts.length === 1) volumes[destination] = {};
    else binds.push(spec);
  }
  return { binds, volumes };
}

/** `-l key=value` (or `-l key` for an empty value) → Labels. */
function parseLabels(specs: readonly string[]): Record<string, string> {
  const labels: Record<string, string> = {};
  for (const spec of specs) {
    const at = spec.indexOf("=");
    labels[at < 0 ? spec : spec.slice(0, at)] = at < 0 ? "" : spec.slice(at + 1);
  }
  return labels;
}

/** `--restart no|always|unless-stopped|on-failure[:N]`; the daemon checks the combination. */
export function parseRestartPolicy(spec: string): { Name: string; MaximumRetryCount: number } {
  const [name = "", count, extra] = spec.split(":");
  if (extra !== undefined || (count !== undefined && !/^\d+$/.test(count))) {
    throw new UsageError(`invalid restart policy format: "${spec}": use no, always, unless-stopped or on-failure[:max-retries]`);
  }
  return { Name: name, MaximumRetryCount: count === undefined ? 0 : Number(count) };
}
