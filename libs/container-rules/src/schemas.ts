import { ENGINE } from "./engine-target.js";
import { goArray, goBool, goInt, goMap, goNamed, goPtr, goSet, goSlice, goStrSlice, goString, goStruct, type GoType } from "./go-types.js";

// dockerd 20.10's API structs (api/types/container, api/types/network, api/types/mount), in Go field order.
// Fields that newer engines added or dropped are listed in engine-target.ts, not here.

export const healthConfigType = goStruct("container.HealthConfig", [
  ["Test", goSlice(goString), "omitempty"],
  ["Interval", goInt("time.Duration"), "omitempty"],
  ["Timeout", goInt("time.Duration"), "omitempty"],
  ["StartPeriod", goInt("time.Duration"), "omitempty"],
  ["Retries", goInt("int"), "omitempty"],
]);

export const configType = goStruct("container.Config", [
  ["Hostname", goString],
  ["Domainname", goString],
  ["User", goString],
  ["AttachStdin", goBool],
  ["AttachStdout", goBool],
  ["AttachStderr", goBool],
  ["ExposedPorts", goNamed(goSet, "nat.PortSet"), "omitempty"],
  ["Tty", goBool],
  ["OpenStdin", goBool],
  ["StdinOnce", goBool],
  ["Env", goSlice(goString)],
  ["Cmd", goStrSlice],
  ["Healthcheck", goPtr(healthConfigType), "omitempty"],
  ["ArgsEscaped", goBool, "omitempty"],
  ["Image", goString],
  ["Volumes", goSet],
  ["WorkingDir", goString],
  ["Entrypoint", goStrSlice],
  ["NetworkDisabled", goBool, "omitempty"],
  ["MacAddress", goString, "omitempty"],
  ["OnBuild", goSlice(goString)],
  ["Labels", goMap(goString)],
  ["StopSignal", goString, "omitempty"],
  ["StopTimeout", goPtr(goInt("int")), "omitempty"],
  ["Shell", goStrSlice, "omitempty"],
]);

const weightDevice = goStruct("blkiodev.WeightDevice", [
  ["Path", goString],
  ["Weight", goInt("uint16")],
]);
const throttleDevice = goStruct("blkiodev.ThrottleDevice", [
  ["Path", goString],
  ["Rate", goInt("uint64")],
]);
const deviceMapping = goStruct("container.DeviceMapping", [
  ["PathOnHost", goString],
  ["PathInContainer", goString],
  ["CgroupPermissions", goString],
]);
const deviceRequest = goStruct("container.DeviceRequest", [
  ["Driver", goString],
  ["Count", goInt("int")],
  ["DeviceIDs", goSlice(goString)],
  ["Capabilities", goSlice(goSlice(goString))],
  ["Options", goMap(goString)],
]);
const ulimit = goStruct("units.Ulimit", [
  ["Name", goString],
  ["Hard", goInt("int64")],
  ["Soft", goInt("int64")],
]);

export const mountType = goStruct("mount.Mount", [
  ["Type", goString, "omitempty"],
  ["Source", goString, "omitempty"],
  ["Target", goString, "omitempty"],
  ["ReadOnly", goBool, "omitempty"],
  ["Consistency", goString, "omitempty"],
  [
    "BindOptions",
    goPtr(
      goStruct("mount.BindOptions", [
        ["Propagation", goString, "omitempty"],
        ["NonRecursive", goBool, "omitempty"],
      ]),
    ),
    "omitempty",
  ],
  [
    "VolumeOptions",
    goPtr(
      goStruct("mount.VolumeOptions", [
        ["NoCopy", goBool, "omitempty"],
        ["Labels", goMap(goString), "omitempty"],
        [
          "DriverConfig",
          goPtr(
            goStruct("mount.Driver", [
              ["Name", goString, "omitempty"],
              ["Options", goMap(goString), "omitempty"],
            ]),
          ),
          "omitempty",
        ],
      ]),
    ),
    "omitempty",
  ],
  [
    "TmpfsOptions",
    goPtr(
      goStruct("mount.TmpfsOptions", [
        ["SizeBytes", goInt("int64"), "omitempty"],
        ["Mode", goInt("os.FileMode"), "omitempty"],
      ]),
    ),
    "omitempty",
  ],
]);

const portBinding = goStruct("nat.PortBinding", [
  ["HostIp", goString],
  ["HostPort", goString],
]);

export const hostConfigType = goStruct("container.HostConfig", [
  ["Binds", goSlice(goString)],
  ["ContainerIDFile", goString],
  [
    "LogConfig",
    goStruct("container.LogConfig", [
      ["Type", goString],
      ["Config", goMap(goString)],
    ]),
  ],
  ["NetworkMode", goNamed(goString, "container.NetworkMode")],
  ["PortBindings", goNamed(goMap(goSlice(portBinding)), "nat.PortMap")],
  [
    "RestartPolicy",
    goStruct("container.RestartPolicy", [
      ["Name", goString],
      ["MaximumRetryCount", goInt("int")],
    ]),
  ],
  ["AutoRemove", goBool],
  ["VolumeDriver", goString],
  ["VolumesFrom", goSlice(goString)],
  ["CapAdd", goStrSlice],
  ["CapDrop", goStrSlice],
  ["CgroupnsMode", goNamed(goString, "container.CgroupnsMode")],
  ["Dns", goSlice(goString)],
  ["DnsOptions", goSlice(goString)],
  ["DnsSearch", goSlice(goString)],
  ["ExtraHosts", goSlice(goString)],
  ["GroupAdd", goSlice(goString)],
  ["IpcMode", goNamed(goString, "container.IpcMode")],
  ["Cgroup", goNamed(goString, "container.CgroupSpec")],
  ["Links", goSlice(goString)],
  ["OomScoreAdj", goInt("int")],
  ["PidMode", goNamed(goString, "container.PidMode")],
  ["Privileged", goBool],
  ["PublishAllPorts", goBool],
  ["ReadonlyRootfs", goBool],
  ["SecurityOpt", goSlice(goString)],
  ["StorageOpt", goMap(goString), "omitempty"],
  ["Tmpfs", goMap(goString), "omitempty"],
  ["UTSMode", goNamed(goString, "container.UTSMode")],
  ["UsernsMode", goNamed(goString, "container.UsernsMode")],
  ["ShmSize", goInt("int64")],
  ["Sysctls", goMap(goString), "omitempty"],
  ["Runtime", goString, "omitempty"],
  ["ConsoleSize", goArray(goInt("uint"), 2)],
  ["Isolation", goNamed(goString, "container.Isolation")],
  // Resources, inlined:
  ["CpuShares", goInt("int64")],
  ["Memory", goInt("int64")],
  ["NanoCpus", goInt("int64")],
  ["CgroupParent", goString],
  ["BlkioWeight", goInt("uint16")],
  ["BlkioWeightDevice", goSlice(goPtr(weightDevice))],
  ["BlkioDeviceReadBps", goSlice(goPtr(throttleDevice))],
  ["BlkioDeviceWriteBps", goSlice(goPtr(throttleDevice))],
  ["BlkioDeviceReadIOps", goSlice(goPtr(throttleDevice))],
  ["BlkioDeviceWriteIOps", goSlice(goPtr(throttleDevice))],
  ["CpuPeriod", goInt("int64")],
  ["CpuQuota", goInt("int64")],
  ["CpuRealtimePeriod", goInt("int64")],
  ["CpuRealtimeRuntime", goInt("int64")],
  ["CpusetCpus", goString],
  ["CpusetMems", goString],
  ["Devices", goSlice(deviceMapping)],
  ["DeviceCgroupRules", goSlice(goString)],
  ["DeviceRequests", goSlice(deviceRequest)],
  ...(ENGINE.hostConfigHasKernelMemory
    ? ([
        ["KernelMemory", goInt("int64")],
        ["KernelMemoryTCP", goInt("int64")],
      ] as const)
    : []),
  ["MemoryReservation", goInt("int64")],
  ["MemorySwap", goInt("int64")],
  ["MemorySwappiness", goPtr(goInt("int64"))],
  ["OomKillDisable", goPtr(goBool)],
  ["PidsLimit", goPtr(goInt("int64"))],
  ["Ulimits", goSlice(goPtr(ulimit))],
  ["CpuCount", goInt("int64")],
  ["CpuPercent", goInt("int64")],
  ["IOMaximumIOps", goInt("uint64")],
  ["IOMaximumBandwidth", goInt("uint64")],
  // end of Resources
  ["Mounts", goSlice(mountType), "omitempty"],
  ["MaskedPaths", goSlice(goString)],
  ["ReadonlyPaths", goSlice(goString)],
  ["Init", goPtr(goBool), "omitempty"],
]);

export const endpointSettingsType = goStruct("network.EndpointSettings", [
  [
    "IPAMConfig",
    goPtr(
      goStruct("network.EndpointIPAMConfig", [
        ["IPv4Address", goString, "omitempty"],
        ["IPv6Address", goString, "omitempty"],
        ["LinkLocalIPs", goSlice(goString), "omitempty"],
      ]),
    ),
  ],
  ["Links", goSlice(goString)],
  ["Aliases", goSlice(goString)],
  ["NetworkID", goString],
  ["EndpointID", goString],
  ["Gateway", goString],
  ["IPAddress", goString],
  ["IPPrefixLen", goInt("int")],
  ["IPv6Gateway", goString],
  ["GlobalIPv6Address", goString],
  ["GlobalIPv6PrefixLen", goInt("int")],
  ["MacAddress", goString],
  ["DriverOpts", goMap(goString)],
]);

export const networkingConfigType = goStruct("network.NetworkingConfig", [["EndpointsConfig", goMap(goPtr(endpointSettingsType))]]);

/** config.v2.json's NetworkSettings.Networks values: the API endpoint plus IPAMOperational. */
export const storedEndpointType = goStruct("network.EndpointSettings", [
  ...endpointSettingsType.fields.map((f) => [f.name, f.type] as const),
  ["IPAMOperational", goBool],
]);

/** The parts of the create body outside Config (runconfig.ContainerConfigWrapper). */
export const wrapperFields: Record<string, GoType> = {
  HostConfig: goPtr(hostConfigType),
  NetworkingConfig: goPtr(networkingConfigType),
  Cpuset: goString,
};

/** The image config document (image.Image): only `config` and `os` matter to create. */
export const imageType = goStruct("image.Image", [
  ["config", goPtr(configType)],
  ["os", goString],
  ["architecture", goString],
  ["variant", goString, "omitempty"],
]);
