import { internal, invalidArgument } from "@slipway/errors";
import { ENGINE } from "./engine-target.js";

/** container.Config after decoding (nil is null). */
export interface Config {
  Hostname: string;
  Domainname: string;
  User: string;
  AttachStdin: boolean;
  AttachStdout: boolean;
  AttachStderr: boolean;
  ExposedPorts: Record<string, object> | null;
  Tty: boolean;
  OpenStdin: boolean;
  StdinOnce: boolean;
  Env: string[] | null;
  Cmd: string[] | null;
  Healthcheck: HealthConfig | null;
  ArgsEscaped: boolean;
  Image: string;
  Volumes: Record<string, object> | null;
  WorkingDir: string;
  Entrypoint: string[] | null;
  NetworkDisabled: boolean;
  MacAddress: string;
  Labels: Record<string, string> | null;
  StopSignal: string;
  [field: string]: unknown;
}

export interface HealthConfig {
  Test: string[] | null;
  Interval: number;
  Timeout: number;
  StartPeriod: number;
  Retries: number;
}

export interface PortBinding {
  HostIp: string;
  HostPort: string;
}

export interface Mount {
  Type: string;
  Source: string;
  Target: string;
  ReadOnly: boolean;
  Consistency: string;
  BindOptions: { Propagation: string; NonRecursive: boolean } | null;
  VolumeOptions: {
    NoCopy: boolean;
    Labels: Record<string, string> | null;
    DriverConfig: { Name: string; Options: Record<string, string> | null } | null;
  } | null;
  TmpfsOptions: { SizeBytes: number; Mode: number } | null;
}

/** container.HostConfig (with Resources inlined) after decoding. */
export interface HostConfig {
  Binds: string[] | null;
  LogConfig: { Type: string; Config: Record<string, string> | null };
  NetworkMode: string;
  PortBindings: Record<string, PortBinding[] | null> | null;
  RestartPolicy: { Name: string; MaximumRetryCount: number };
  AutoRemove: boolean;
  VolumeDriver: string;
  VolumesFrom: string[] | null;
  CapAdd: string[] | null;
  CapDrop: string[] | null;
  CgroupnsMode: string;
  Dns: string[] | null;
  ExtraHosts: string[] | null;
  IpcMode: string;
  Links: string[] | null;
  OomScoreAdj: number;
  PidMode: string;
  Privileged: boolean;
  PublishAllPorts: boolean;
  SecurityOpt: string[] | null;
  Tmpfs: Record<string, string> | null;
  StorageOpt: Record<string, string> | null;
  UTSMode: string;
  UsernsMode: string;
  ShmSize: number;
  Runtime: string;
  Isolation: string;
  CpuShares: number;
  Memory: number;
  NanoCpus: number;
  CgroupParent: string;
  BlkioWeight: number;
  CpuPeriod: number;
  CpuQuota: number;
  CpuRealtimePeriod: number;
  CpuRealtimeRuntime: number;
  CpusetCpus: string;
  CpusetMems: string;
  KernelMemory: number;
  MemoryReservation: number;
  MemorySwap: number;
  MemorySwappiness: number | null;
  OomKillDisable: boolean | null;
  PidsLimit: number | null;
  CpuPercent: number;
  IOMaximumIOps: number;
  IOMaximumBandwidth: number;
  Mounts: Mount[] | null;
  MaskedPaths: string[] | null;
  ReadonlyPaths: string[] | null;
  [field: string]: unknown;
}

export interface EndpointSettings {
  IPAMConfig: { IPv4Address: string; IPv6Address: string; LinkLocalIPs: string[] | null } | null;
  [field: string]: unknown;
}

export interface NetworkingConfig {
  EndpointsConfig: Record<string, EndpointSettings | null> | null;
}

/** What the host offers, read by the app at start (cgroups, CPUs); the rules stay pure. */
export interface HostInfo {
  /** Online CPUs (sysinfo.NumCPU). */
  cpuCount: number;
  /** 1 or 2. */
  cgroupVersion: 1 | 2;
  /** cpuset.cpus of the root cgroup, e.g. "0-1". */
  cpusetCpus: string;
  /** cpuset.mems of the root cgroup, e.g. "0". */
  cpusetMems: string;
  /** Whether the kernel takes a memory swap limit, swappiness, a blkio weight, a kernel memory limit. */
  swapLimit: boolean;
  memorySwappiness: boolean;
  blkioWeight: boolean;
  kernelMemory: boolean;
  /** /proc/sys/net/ipv4/ip_forward is 0 (dockerd then warns that networking will not work). */
  ipv4ForwardingDisabled: boolean;
  /** The daemon's root (its data root as it sees it): binds that contain it, or lie in it, need rslave propagation. */
  daemonRoot: string;
  /** os.Hostname(), for containers on the host network. */
  hostname: string;
}

/** A 400 in dockerd: the caller's mistake. */
export const badRequest = (message: string) => invalidArgument(message);
/** Errors dockerd 20.10 returns as 500 although they are the caller's (plain errors without a class). */
export const serverError = (message: string) => (ENGINE.plainErrorsAreServerErrors ? internal : invalidArgument)(message);
