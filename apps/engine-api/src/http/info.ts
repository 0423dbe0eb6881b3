import { existsSync, readFileSync } from "node:fs";
import { cpus, hostname, machine, release, totalmem } from "node:os";
import { SLIPWAY_VERSION } from "./api-version.js";

/** What GET /info reports about the stores, gathered by the route. */
export interface StoreFacts {
  readonly containers: number;
  readonly images: number;
  /** image-store's registry settings; unset when it did not answer. */
  readonly registry?: RegistrySettings;
  /** Why a count or the registry settings are missing (a store that did not answer), in words `docker info` prints on stderr. */
  readonly warnings: readonly string[];
}

export interface RegistrySettings {
  readonly indexServerAddress: string;
  /** The RegistryConfig object (insecure registries, index configs, mirrors), as dockerd renders it. */
  readonly registryConfig: unknown;
}

/**
 * The GET /info document in Go's `types.Info` key order, with the fields `docker info` prints. Slipway never
 * runs containers, so every container is stopped (created), and no runtime is listed.
 */
export function infoDocument(dataRoot: string, stores: StoreFacts) {
  const os = osRelease();
  return {
    ID: "",
    Containers: stores.containers,
    ContainersRunning: 0,
    ContainersPaused: 0,
    ContainersStopped: stores.containers,
    Images: stores.images,
    Driver: "overlay2",
    DriverStatus: [],
    Plugins: { Volume: ["local"], Network: [], Authorization: null, Log: ["json-file"] },
    Debug: false,
    SystemTime: new Date().toISOString(),
    LoggingDriver: "json-file",
    CgroupDriver: "cgroupfs",
    CgroupVersion: existsSync("/sys/fs/cgroup/cgroup.controllers") ? "2" : "1",
    KernelVersion: release(),
    OperatingSystem: os.PRETTY_NAME ?? "Linux",
    OSVersion: os.VERSION_ID ?? "",
    OSType: "linux",
    Architecture: machine(),
    IndexServerAddress: stores.registry?.indexServerAddress ?? "https://index.docker.io/v1/",
    RegistryConfig: stores.registry?.registryConfig ?? null,
    NCPU: cpus().length,
    MemTotal: totalmem(),
    GenericResources: null,
    DockerRootDir: dataRoot,
    HttpProxy: "",
    HttpsProxy: "",
    NoProxy: "",
    Name: hostname(),
    Labels: [],
    ExperimentalBuild: false,
    ServerVersion: SLIPWAY_VERSION,
    Runtimes: {},
    DefaultRuntime: "runc",
    Swarm: { NodeID: "", NodeAddr: "", LocalNodeState: "inactive", ControlAvailable: false, Error: "", RemoteManagers: null },
    LiveRestoreEnabled: false,
    Isolation: "",
    InitBinary: "",
    ContainerdCommit: { ID: "", Expected: "" },
    RuncCommit: { ID: "", Expected: "" },
    InitCommit: { ID: "", Expected: "" },
    SecurityOptions: [],
    Warnings: stores.warnings.length > 0 ? stores.warnings : null,
  };
}

function osRelease(): Record<string, string> {
  let text: string;
  try {
    text = readFileSync("/etc/os-release", "utf8");
  } catch {
    return {};
  }
  const pairs = text.split("\n").flatMap((line) => {
    const match = /^(\w+)="?(.*?)"?$/.exec(line);
    return match ? [[match[1]!, match[2]!] as const] : [];
  });
  return Object.fromEntries(pairs);
}
