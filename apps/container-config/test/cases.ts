// Create requests sent to both the live dockerd and Slipway. `cli` builds the body the docker CLI 28
// sends (the golden capture) with the given Config/HostConfig fields replaced; `raw` bodies go as written.

const CLI_CONFIG = {
  Hostname: "", Domainname: "", User: "", AttachStdin: false, AttachStdout: true, AttachStderr: true, Tty: false, OpenStdin: false,
  StdinOnce: false, Env: null, Cmd: null, Image: "golden:1", Volumes: {}, WorkingDir: "", Entrypoint: null, OnBuild: null, Labels: {},
};
const CLI_HOST = {
  Binds: null, ContainerIDFile: "", LogConfig: { Type: "", Config: {} }, NetworkMode: "default", PortBindings: {},
  RestartPolicy: { Name: "no", MaximumRetryCount: 0 }, AutoRemove: false, VolumeDriver: "", VolumesFrom: null, ConsoleSize: [0, 0],
  CapAdd: null, CapDrop: null, CgroupnsMode: "", Dns: [], DnsOptions: [], DnsSearch: [], ExtraHosts: null, GroupAdd: null, IpcMode: "",
  Cgroup: "", Links: null, OomScoreAdj: 0, PidMode: "", Privileged: false, PublishAllPorts: false, ReadonlyRootfs: false, SecurityOpt: null,
  UTSMode: "", UsernsMode: "", ShmSize: 0, Isolation: "", CpuShares: 0, Memory: 0, NanoCpus: 0, CgroupParent: "", BlkioWeight: 0,
  BlkioWeightDevice: [], BlkioDeviceReadBps: [], BlkioDeviceWriteBps: [], BlkioDeviceReadIOps: [], BlkioDeviceWriteIOps: [], CpuPeriod: 0,
  CpuQuota: 0, CpuRealtimePeriod: 0, CpuRealtimeRuntime: 0, CpusetCpus: "", CpusetMems: "", Devices: [], DeviceCgroupRules: null,
  DeviceRequests: null, MemoryReservation: 0, MemorySwap: 0, MemorySwappiness: -1, OomKillDisable: false, PidsLimit: 0, Ulimits: [],
  CpuCount: 0, CpuPercent: 0, IOMaximumIOps: 0, IOMaximumBandwidth: 0, MaskedPaths: null, ReadonlyPaths: null,
};
const CLI_ENDPOINT = {
  IPAMConfig: null, Links: null, Aliases: null, MacAddress: "", DriverOpts: null, GwPriority: 0, NetworkID: "", EndpointID: "", Gateway: "",
  IPAddress: "", IPPrefixLen: 0, IPv6Gateway: "", GlobalIPv6Address: "", GlobalIPv6PrefixLen: 0, DNSNames: null,
};

type Fields = Record<string, unknown>;

export function cli(config: Fields = {}, host: Fields = {}, network = "default"): string {
  return `${JSON.stringify({
    ...CLI_CONFIG, ...config, HostConfig: { ...CLI_HOST, NetworkMode: network, ...host },
    NetworkingConfig: { EndpointsConfig: { [network]: CLI_ENDPOINT } },
  })}\n`;
}

export const raw = (body: Fields | string) => (typeof body === "string" ? body : JSON.stringify(body));

export interface CreateCase {
  label: string;
  body: string;
  /** Explicit name; "" lets both engines generate one. */
  name?: string;
  apiVersion?: string;
}

const G = "golden:1";
const HC = (host: Fields) => raw({ Image: G, HostConfig: host });

export const VALID: CreateCase[] = [
  { label: "CLI docker create golden:1", body: cli() },
  { label: "CLI -it", body: cli({ AttachStdin: true, Tty: true, OpenStdin: true, StdinOnce: true }) },
  { label: "raw minimal body (no HostConfig)", body: raw({ Image: G }) },
  { label: "raw body with an empty HostConfig", body: raw({ Image: G, HostConfig: {} }) },
  { label: "raw body with trailing content after the JSON", body: `${raw({ Image: G })} trailing` },
  { label: "env merged by key, user first", body: cli({ Env: ["FOO=bar", "PATH=/x", "GREETING"] }) },
  { label: "entrypoint given: image Cmd not used", body: cli({ Entrypoint: ["/bin/sh"], Cmd: ["-c", "echo hi"] }) },
  { label: "entrypoint [\"\"] with a Cmd", body: cli({ Entrypoint: [""], Cmd: ["/bin/echo", "x y"] }) },
  { label: "raw entrypoint [] keeps the image Cmd", body: raw({ Image: G, Entrypoint: [] }) },
  { label: "raw Cmd [] takes the image Cmd", body: raw({ Image: G, Cmd: [] }) },
  { label: "raw Cmd as a string", body: raw({ Image: G, Cmd: "echo hi" }) },
  { label: "ports published and exposed", body: cli({ ExposedPorts: { "8080/tcp": {}, "53/udp": {} } }, { PortBindings: { "8080/tcp": [{ HostIp: "", HostPort: "18080" }], "53/udp": [{ HostIp: "127.0.0.1", HostPort: "" }] } }) },
  { label: "restart on-failure:3", body: cli({}, { RestartPolicy: { Name: "on-failure", MaximumRetryCount: 3 } }) },
  { label: "raw restart always", body: raw({ Image: G, HostConfig: { RestartPolicy: { Name: "always" } } }) },
  { label: "restart unless-stopped", body: cli({}, { RestartPolicy: { Name: "unless-stopped", MaximumRetryCount: 0 } }) },
  { label: "memory 64m: swap defaults to twice", body: cli({}, { Memory: 67108864 }) },
  { label: "memory, swap, reservation, swappiness", body: cli({}, { Memory: 67108864, MemorySwap: 268435456, MemoryReservation: 33554432, MemorySwappiness: 10 }) },
  { label: "cpus, shares, cpuset", body: cli({}, { NanoCpus: 1500000000, CpuShares: 512, CpusetCpus: "0", CpusetMems: "0" }) },
  { label: "cpu period and quota", body: cli({}, { CpuPeriod: 100000, CpuQuota: 50000 }) },
  { label: "labels merged with the image's", body: cli({ Labels: { a: "1", "org.example.name": "override" } }) },
  { label: "volumes added to the image's", body: cli({ Volumes: { "/extra": {}, "/data": {} } }) },
  { label: "working dir cleaned", body: cli({ WorkingDir: "/tmp/../work/" }) },
  { label: "healthcheck", body: cli({ Healthcheck: { Test: ["CMD", "true"], Interval: 1000000000, Retries: 2 } }) },
  { label: "user", body: cli({ User: "1000:1000" }) },
  { label: "network none", body: cli({}, {}, "none") },
  { label: "network host (hostname from the host)", body: cli({}, {}, "host") },
  { label: "privileged", body: cli({}, { Privileged: true }) },
  { label: "security options", body: cli({}, { SecurityOpt: ["seccomp=unconfined", "no-new-privileges", "apparmor=unconfined"] }) },
  { label: "bind mount, read-only", body: cli({}, { Binds: ["/tmp:/mnt/tmp:ro", "/etc:/mnt/etc:rslave"] }) },
  { label: "Mounts bind and tmpfs", body: raw({ Image: G, HostConfig: { Mounts: [{ Type: "bind", Source: "/tmp", Target: "/m" }, { Type: "tmpfs", Target: "/t" }] } }) },
  { label: "generated name", body: cli(), name: "" },
  { label: "log options", body: cli({}, { LogConfig: { Type: "json-file", Config: { "max-size": "10m" } } }) },
  { label: "stop signal and timeout", body: cli({ StopSignal: "SIGINT", StopTimeout: 5 }) },
  { label: "hostname and domain name", body: cli({ Hostname: "box", Domainname: "example.org" }) },
  { label: "OOM kill disabled, pids limit", body: cli({}, { Memory: 67108864, OomKillDisable: true, PidsLimit: 100 }) },
  { label: "pids limit -1 is unlimited; OOM kill disabled warns", body: cli({}, { PidsLimit: -1, OomKillDisable: true }) },
  { label: "blkio weight discarded with a warning", body: cli({}, { BlkioWeight: 500 }) },
  { label: "auto-remove", body: cli({}, { AutoRemove: true }) },
  { label: "capabilities, extra hosts, dns", body: cli({}, { CapAdd: ["NET_ADMIN", "cap_sys_time"], CapDrop: ["MKNOD"], ExtraHosts: ["h:1.2.3.4"], Dns: ["8.8.8.8"] }) },
  { label: "ipc and pid host", body: cli({}, { IpcMode: "host", PidMode: "host" }) },
  { label: "sysctls and tmpfs", body: cli({}, { Sysctls: { "net.ipv4.ip_forward": "1" }, Tmpfs: { "/run": "rw" } }) },
  { label: "HTML characters escaped as Go does", body: cli({ Labels: { x: "<a&b>" }, Env: ["X=<>&"] }) },
  { label: "API 1.40 defaults (shareable IPC)", body: cli(), apiVersion: "1.40" },
  { label: "hostname over 64 bytes (accepted by 20.10)", body: raw({ Image: G, Hostname: "h".repeat(70) }) },
  { label: "unknown IPC mode (checked only at start by 20.10)", body: raw({ Image: G, HostConfig: { IpcMode: "weird" } }) },
  { label: "negative CPU shares (accepted by 20.10)", body: raw({ Image: G, HostConfig: { CpuShares: -1 } }) },
  { label: "restart policy \"\" with a retry count", body: raw({ Image: G, HostConfig: { RestartPolicy: { Name: "", MaximumRetryCount: 2 } } }) },
  { label: "deprecated top-level HostConfig fields", body: raw({ Image: G, Memory: 67108864, Binds: ["/tmp:/x"] }) },
  { label: "top-level Memory lent to the inner HostConfig", body: raw({ Image: G, Memory: 67108864, HostConfig: { CpuShares: 5 } }) },
  { label: "networking disabled", body: raw({ Image: G, NetworkDisabled: true }) },
  { label: "network namespace of a missing container (checked at start)", body: HC({ NetworkMode: "container:slipway-nosuch" }) },
  { label: "case-insensitive keys", body: raw({ image: G, cmd: ["/bin/true"], hostconfig: { memory: 67108864 } }) },
];

export const INVALID: CreateCase[] = [
  { label: "no command: entrypoint [\"\"] and Cmd []", body: raw({ Image: G, Entrypoint: [""], Cmd: [] }) },
  { label: "no config", body: raw({}) },
  { label: "top-level memory below 6MB", body: raw({ Image: G, Memory: 1 }) },
  { label: "empty body", body: "" },
  { label: "JSON syntax: bad key (500)", body: "{bad" },
  { label: "JSON syntax: cut off (500)", body: '{"Image":"golden:1"' },
  { label: "JSON syntax: bad literal (500)", body: '{"Image":"golden:1","Tty":tru}' },
  { label: "JSON syntax: missing comma (500)", body: '{"Image":"golden:1" "Tty":true}' },
  { label: "relative working dir", body: raw({ Image: G, WorkingDir: "rel" }) },
  { label: "unknown stop signal", body: raw({ Image: G, StopSignal: "SIGFOO" }) },
  { label: "stop signal 0", body: raw({ Image: G, StopSignal: "0" }) },
  { label: "env with an empty key", body: raw({ Image: G, Env: ["=foo"] }) },
  { label: "empty env entry", body: raw({ Image: G, Env: [""] }) },
  { label: "healthcheck interval", body: raw({ Image: G, Healthcheck: { Test: ["CMD", "true"], Interval: 5 } }) },
  { label: "healthcheck retries", body: raw({ Image: G, Healthcheck: { Retries: -1 } }) },
  { label: "healthcheck timeout", body: raw({ Image: G, Healthcheck: { Timeout: 10 } }) },
  { label: "healthcheck start period", body: raw({ Image: G, Healthcheck: { StartPeriod: 10 } }) },
  { label: "auto-remove with a restart policy", body: HC({ AutoRemove: true, RestartPolicy: { Name: "always" } }) },
  { label: "unknown restart policy", body: HC({ RestartPolicy: { Name: "sometimes" } }) },
  { label: "retry count with always", body: HC({ RestartPolicy: { Name: "always", MaximumRetryCount: 2 } }) },
  { label: "negative retry count", body: HC({ RestartPolicy: { Name: "on-failure", MaximumRetryCount: -2 } }) },
  { label: "memory below 6MB", body: HC({ Memory: 1000 }) },
  { label: "swap below memory", body: HC({ Memory: 67108864, MemorySwap: 10000000 }) },
  { label: "swap without memory", body: HC({ MemorySwap: 67108864 }) },
  { label: "swappiness 101", body: HC({ MemorySwappiness: 101 }) },
  { label: "reservation below 6MB", body: HC({ MemoryReservation: 1000 }) },
  { label: "memory below reservation", body: HC({ Memory: 67108864, MemoryReservation: 134217728 }) },
  { label: "nano CPUs with a period", body: HC({ NanoCpus: 1000000000, CpuPeriod: 100000 }) },
  { label: "nano CPUs with a quota", body: HC({ NanoCpus: 1000000000, CpuQuota: 100000 }) },
  { label: "more CPUs than the host", body: HC({ NanoCpus: 64000000000 }) },
  { label: "CPU period too short", body: HC({ CpuPeriod: 500 }) },
  { label: "CPU quota too short", body: HC({ CpuQuota: 500 }) },
  { label: "cpuset not available", body: HC({ CpusetCpus: "7" }) },
  { label: "cpuset syntax", body: HC({ CpusetCpus: "a-b" }) },
  { label: "cpuset mems not available", body: HC({ CpusetMems: "3" }) },
  { label: "maximum IOPs (500 in 20.10)", body: HC({ IOMaximumIOps: 5 }) },
  { label: "real-time runtime above period (500)", body: HC({ CpuRealtimePeriod: 1000, CpuRealtimeRuntime: 2000 }) },
  { label: "negative SHM size", body: HC({ ShmSize: -1 }) },
  { label: "OOM score adjustment", body: HC({ OomScoreAdj: 1001 }) },
  { label: "cgroup namespace mode", body: HC({ CgroupnsMode: "weird" }) },
  { label: "isolation (500)", body: HC({ Isolation: "hyperv" }) },
  { label: "unknown runtime", body: HC({ Runtime: "nope" }) },
  { label: "unknown CapAdd", body: HC({ CapAdd: ["NOPE"] }) },
  { label: "unknown CapDrop", body: HC({ CapDrop: ["NOPE"] }) },
  { label: "container port", body: HC({ PortBindings: { "abc/tcp": [{ HostPort: "80" }] } }) },
  { label: "host port", body: HC({ PortBindings: { "80/tcp": [{ HostPort: "abc" }] } }) },
  { label: "extra host format", body: HC({ ExtraHosts: ["nocolon"] }) },
  { label: "extra host IP", body: HC({ ExtraHosts: ["h:notip"] }) },
  { label: "container network mode format", body: HC({ NetworkMode: "container:" }) },
  { label: "hostname with a container network", body: raw({ Image: G, Hostname: "x", HostConfig: { NetworkMode: "container:abc" } }) },
  { label: "hostname with host UTS", body: raw({ Image: G, Hostname: "x", HostConfig: { UTSMode: "host" } }) },
  { label: "links with host network", body: HC({ NetworkMode: "host", Links: ["a:b"] }) },
  { label: "security option without a value (500)", body: HC({ SecurityOpt: ["foo"] }) },
  { label: "unknown security option (500)", body: HC({ SecurityOpt: ["foo=bar"] }) },
  { label: "bind with four parts (500)", body: HC({ Binds: ["a:b:c:d"] }) },
  { label: "bind to a relative path (500)", body: HC({ Binds: ["/tmp:rel"] }) },
  { label: "bind mode (500)", body: HC({ Binds: ["/tmp:/x:zz"] }) },
  { label: "mount type", body: HC({ Mounts: [{ Type: "weird", Target: "/x" }] }) },
  { label: "bind mount source missing", body: HC({ Mounts: [{ Type: "bind", Source: "/nonexistent-slipway", Target: "/x" }] }) },
  { label: "mount without target", body: HC({ Mounts: [{ Type: "volume" }] }) },
  { label: "duplicate mount point", body: HC({ Binds: ["/tmp:/x", "/var:/x"] }) },
  { label: "one-character name", body: raw({ Image: G }), name: "a" },
  { label: "name starting with a dash", body: raw({ Image: G }), name: "-ab" },
  { label: "unknown json-file option", body: HC({ LogConfig: { Type: "json-file", Config: { bogus: "1" } } }) },
  { label: "relative tmpfs destination", body: HC({ Tmpfs: { rel: "" } }) },
  { label: "IPC namespace of a missing container", body: HC({ IpcMode: "container:slipway-nosuch" }) },
  { label: "Volumes of the wrong JSON type (500)", body: raw({ Image: G, Volumes: ["x"] }) },
  { label: "Memory as a string (500)", body: HC({ Memory: "1g" }) },
  { label: "retry count not an integer (500)", body: HC({ RestartPolicy: { Name: "on-failure", MaximumRetryCount: 1.5 } }) },
  { label: "NetworkMode as a bool (500)", body: HC({ NetworkMode: true }) },
  { label: "Image as a number (500)", body: raw({ Image: 5 }) },
  { label: "link to a missing container", body: HC({ Links: ["slipway-nosuch:alias"] }) },
  { label: "volumes from a missing container", body: HC({ VolumesFrom: ["slipway-nosuch:ro"] }) },
  { label: "nil endpoint settings", body: raw({ Image: G, NetworkingConfig: { EndpointsConfig: { bridge: null } } }) },
];
