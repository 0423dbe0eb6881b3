import { describe, expect, it } from "vitest";
import { ImageConfigCache, mergeAndVerify, requestedImage, type MergedContainer } from "./create-request.js";
import { mountPointsOf } from "./mounts.js";
import { ENGINE } from "./engine-target.js";
import { TEST_HOST } from "./testing/host-info.js";
import type { HostInfo } from "./model.js";

const ID = `c0ffee${"0".repeat(58)}`;
const SRC = `5ec${"0".repeat(61)}`;
const IMAGE = JSON.stringify({
  architecture: "amd64",
  os: "linux",
  config: {
    User: "app",
    Env: ["PATH=/bin", "A=1"],
    Cmd: ["/bin/sh", "-c", "run"],
    Entrypoint: null,
    WorkingDir: "/srv",
    ExposedPorts: { "80/tcp": {} },
    Volumes: { "/data": {} },
    Labels: { from: "image", shared: "image" },
    StopSignal: "SIGQUIT",
    Healthcheck: { Test: ["CMD", "check"], Interval: 30000000000, Timeout: 5000000000, Retries: 3 },
  },
});

const imageConfigs = new ImageConfigCache();
const merge = (body: object | string, options: { image?: string | null; host?: Partial<HostInfo>; apiVersion?: string } = {}): MergedContainer =>
  mergeAndVerify({
    body: typeof body === "string" ? body : JSON.stringify(body),
    imageConfig: options.image === undefined ? IMAGE : options.image,
    imageConfigs,
    containerId: ID,
    apiVersion: options.apiVersion ?? "1.41",
    host: { ...TEST_HOST, ...options.host },
    probe: (p) => p === "/exists",
    resolveContainer: (name) => (name === "src" || name === SRC ? SRC : undefined),
    mountPointsOfContainer: (id) => (id === SRC ? SRC_MOUNTS : []),
    networkModeOf: (id) => (id === SRC ? "default" : ""),
  });

/** The mount points of container SRC: an image volume, a named volume with its mode, a read-only bind. */
const SRC_MOUNTS = [
  {
    Source: "",
    Destination: "/data",
    RW: true,
    Name: "a".repeat(64),
    Driver: "local",
    Type: "volume",
    Relabel: "",
    Propagation: "",
    Spec: {},
    SkipMountpointCreation: false,
  },
  {
    Source: "/var/lib/docker/volumes/named/_data",
    Destination: "/n",
    RW: true,
    Name: "named",
    Driver: "local",
    Type: "volume",
    Relabel: "z",
    Propagation: "",
    Spec: { Type: "volume", Source: "named", Target: "/n" },
    SkipMountpointCreation: false,
  },
  {
    Source: "/srv",
    Destination: "/b",
    RW: false,
    Name: "",
    Driver: "",
    Type: "bind",
    Relabel: "ro",
    Propagation: "rprivate",
    Spec: { Type: "bind", Source: "/srv", Target: "/b", ReadOnly: true },
    SkipMountpointCreation: false,
  },
];

describe("merge with the image config (daemon/commit.go merge)", () => {
  it.each<[string, object, Record<string, unknown>]>([
    ["User from the image when empty", {}, { User: "app" }],
    ["user's User wins", { User: "me" }, { User: "me" }],
    ["Env: image's when none given", {}, { Env: ["PATH=/bin", "A=1"] }],
    ["Env: [] is empty too", { Env: [] }, { Env: ["PATH=/bin", "A=1"] }],
    ["Env by key, user first", { Env: ["A=2", "B=3"] }, { Env: ["A=2", "B=3", "PATH=/bin"] }],
    ["Env keys are case-sensitive", { Env: ["path=/x"] }, { Env: ["path=/x", "PATH=/bin", "A=1"] }],
    ["Cmd from the image", {}, { Cmd: ["/bin/sh", "-c", "run"], Entrypoint: null }],
    ["user Cmd wins", { Cmd: ["ls"] }, { Cmd: ["ls"] }],
    ["an Entrypoint stops the image Cmd", { Entrypoint: ["/bin/echo"] }, { Cmd: null, Entrypoint: ["/bin/echo"] }],
    ['Entrypoint [""] also stops it, then becomes null', { Entrypoint: [""], Cmd: ["x"] }, { Cmd: ["x"], Entrypoint: null }],
    ["Entrypoint [] keeps the image Cmd", { Entrypoint: [] }, { Cmd: ["/bin/sh", "-c", "run"], Entrypoint: [] }],
    ["ExposedPorts as a union", { ExposedPorts: { "53/udp": {} } }, { ExposedPorts: { "53/udp": {}, "80/tcp": {} } }],
    ["Labels: the user's win, the image's fill in", { Labels: { shared: "user" } }, { Labels: { from: "image", shared: "user" } }],
    ["Volumes as a union", { Volumes: { "/x": {} } }, { Volumes: { "/x": {}, "/data": {} } }],
    ["WorkingDir from the image", {}, { WorkingDir: "/srv" }],
    ["StopSignal from the image", {}, { StopSignal: "SIGQUIT" }],
    [
      "Healthcheck from the image",
      {},
      { Healthcheck: { Test: ["CMD", "check"], Interval: 30000000000, Timeout: 5000000000, StartPeriod: 0, Retries: 3 } },
    ],
    [
      "Healthcheck field by field",
      { Healthcheck: { Interval: 2000000000 } },
      { Healthcheck: { Test: ["CMD", "check"], Interval: 2000000000, Timeout: 5000000000, StartPeriod: 0, Retries: 3 } },
    ],
    ["Hostname: the short ID", {}, { Hostname: ID.slice(0, 12) }],
  ])("%s", (_, config, expected) => {
    expect(merge({ Image: "img", ...config }).config).toMatchObject(expected);
  });

  it("takes the host's name on the host network", () => {
    expect(merge({ Image: "img", HostConfig: { NetworkMode: "host" } }).config.Hostname).toBe("buildhost");
  });

  it("leaves Labels null and needs a command without an image", () => {
    expect(merge({ Cmd: ["x"] }, { image: null }).config.Labels).toBeNull();
    expect(() => merge({ Image: "" }, { image: null })).toThrow(ENGINE.noCommandMessage);
  });

  it.each<[string, object, string, string[]]>([
    ["entrypoint then cmd", { Entrypoint: ["/e", "1"], Cmd: ["2"] }, "/e", ["1", "2"]],
    ["cmd only", { Cmd: ["/c", "a"] }, "/c", ["a"]],
    ["single entrypoint: args are [] not null", { Entrypoint: ["/e"] }, "/e", []],
  ])("Path and Args: %s", (_, config, path, args) => {
    const merged = merge({ Image: "img", ...config });
    expect([merged.path, merged.args]).toEqual([path, args]);
  });
});

describe("daemon defaults", () => {
  it("fills a raw body without HostConfig as dockerd 20.10 does", () => {
    const { hostConfig: h, config, networks } = merge({ Image: "img" });
    expect(h).toMatchObject({
      NetworkMode: "default",
      RestartPolicy: { Name: "", MaximumRetryCount: 0 },
      LogConfig: { Type: "json-file", Config: {} },
      ShmSize: 67108864,
      IpcMode: "private",
      CgroupnsMode: "host",
      OomKillDisable: false,
      Runtime: "",
      PortBindings: null,
      MaskedPaths: ENGINE.maskedPaths,
      ReadonlyPaths: ENGINE.readonlyPaths,
    });
    expect(config.Volumes).toEqual({ "/data": {} });
    expect(Object.keys(networks!)).toEqual(["bridge"]);
  });

  it.each<[string, object, Record<string, unknown>, Partial<HostInfo>?]>([
    ["Runtime runc once a HostConfig is sent", {}, { Runtime: "runc" }],
    ["MemorySwap twice Memory", { Memory: 1 << 26 }, { MemorySwap: 1 << 27 }],
    ["private cgroupns on cgroup v2", {}, { CgroupnsMode: "private" }, { cgroupVersion: 2 }],
    [
      "host cgroupns for privileged on v1, label=disable, no masked paths",
      { Privileged: true },
      { CgroupnsMode: "host", SecurityOpt: ["label=disable"], MaskedPaths: null, ReadonlyPaths: null },
    ],
    ["label=disable for host IPC", { IpcMode: "host" }, { SecurityOpt: ["label=disable"] }],
    ["no label=disable when a label option is given", { PidMode: "host", SecurityOpt: ["label=type:x"] }, { SecurityOpt: ["label=type:x"] }],
    ["PidsLimit 0 and below is unlimited", { PidsLimit: -1 }, { PidsLimit: null }],
    ["MemorySwappiness -1 is unset", { MemorySwappiness: -1 }, { MemorySwappiness: null }],
    ["explicit empty masked paths stay empty", { MaskedPaths: [] }, { MaskedPaths: [] }],
  ])("%s", (_, host, expected, info) => {
    expect(merge({ Image: "img", HostConfig: host }, { host: info }).hostConfig).toMatchObject(expected);
  });

  it("shares namespaces by full ID and has no networks of its own in container: mode", () => {
    const merged = merge(H({ NetworkMode: "container:src", IpcMode: "container:src" }));
    expect(merged.hostConfig).toMatchObject({ NetworkMode: `container:${SRC}`, IpcMode: `container:${SRC}`, SecurityOpt: null });
    expect(merged.networks).toBeNull();
    expect(merge({ Image: "img", NetworkDisabled: true }).networks).toBeNull();
    expect(() => merge(H({ PidMode: "container:nosuch" }))).toThrow("No such container: nosuch");
  });

  it("applies the API-version shims", () => {
    expect(merge({ Image: "img", HostConfig: {} }, { apiVersion: "1.39" }).hostConfig).toMatchObject({ IpcMode: "shareable" });
    expect(merge({ Image: "img", HostConfig: {} }, { apiVersion: "1.40", host: { cgroupVersion: 2 } }).hostConfig).toMatchObject({
      CgroupnsMode: "private",
    });
    expect(merge({ Image: "img", HostConfig: { AutoRemove: true } }, { apiVersion: "1.24" }).hostConfig).toMatchObject({ AutoRemove: false });
  });

  it("re-keys the CLI's default endpoint to bridge and lists an anonymous volume for each Config.Volumes path no bind covers", () => {
    const merged = merge({
      Image: "img",
      Volumes: { "/v/": {}, "/b": {} },
      HostConfig: { Binds: ["/exists:/b"] },
      NetworkingConfig: { EndpointsConfig: { default: { Aliases: null } } },
    });
    expect(Object.keys(merged.networks!)).toEqual(["bridge"]);
    const anonymous = (destination: string) => ({ destination, name: "", driver: "local", copyData: true, labels: {}, driverOpts: {} });
    expect(merged.volumes).toEqual([anonymous("/data"), anonymous("/v")]);
  });

  it("lists the volumes of Binds, Mounts and Config.Volumes in dockerd's order, with drivers (VolumeDriver applies to Binds, not Mounts) and nocopy", () => {
    const merged = merge({
      Image: "img",
      Volumes: { "/n": {} },
      HostConfig: {
        VolumeDriver: "vd",
        Binds: ["/exists:/b", "data:/n:ro,nocopy", "/anon"],
        Mounts: [
          { Type: "volume", Source: "m", Target: "/m" },
          { Type: "volume", Target: "/am", VolumeOptions: { DriverConfig: { Name: "other" } } },
        ],
      },
    });
    expect(merged.volumes).toEqual([
      { destination: "/n", name: "data", driver: "vd", copyData: false, labels: {}, driverOpts: {} },
      { destination: "/anon", name: "", driver: "vd", copyData: true, labels: {}, driverOpts: {} },
      { destination: "/m", name: "m", driver: "local", copyData: true, labels: {}, driverOpts: {} },
      { destination: "/am", name: "", driver: "other", copyData: true, labels: {}, driverOpts: {} },
      { destination: "/data", name: "", driver: "vd", copyData: true, labels: {}, driverOpts: {} },
    ]);
  });

  it("takes VolumesFrom's mount points (ro when asked, without their mode, copying nothing again) and lets a bind replace one", () => {
    const merged = merge({ Image: "img", HostConfig: { VolumesFrom: ["src:ro"], Binds: ["/exists:/b"] } });
    expect(merged.volumes).toEqual([
      { destination: "/data", name: "a".repeat(64), driver: "local", copyData: false, labels: {}, driverOpts: {} },
      { destination: "/n", name: "named", driver: "local", copyData: false, labels: {}, driverOpts: {} },
    ]);
    const points = mountPointsOf(merged.hostConfig, {
      probe: (p) => p === "/exists",
      resolveContainer: () => SRC,
      mountPointsOfContainer: () => SRC_MOUNTS,
      daemonRoot: "/var/lib/docker",
    });
    expect(points.get("/n")).toMatchObject({ RW: false, Relabel: "", Source: "/var/lib/docker/volumes/named/_data", Spec: SRC_MOUNTS[1]!.Spec });
    expect(points.get("/b")).toMatchObject({ Source: "/exists", RW: true, Type: "bind" });
    expect(merge({ Image: "img", HostConfig: { VolumesFrom: [SRC] } }).volumes.map((v) => v.destination)).toEqual(["/data", "/n"]);
  });

  it.each([
    ["", "volumes-from specification cannot be an empty string"],
    ["src:rshared", "invalid mode: rshared"],
    ["src:nocopy", "invalid mode: nocopy"],
    ["src:bogus", "invalid mode: bogus"],
  ])("refuses VolumesFrom %j as dockerd does", (spec, message) => {
    expect(() => merge({ Image: "img", HostConfig: { VolumesFrom: [spec] } })).toThrow(
      expect.objectContaining({ kind: ENGINE.plainErrorsAreServerErrors ? "internal" : "invalid_argument", message }),
    );
  });

  it("gives binds in or around the daemon root rslave propagation, and refuses them a private one (validateBindDaemonRoot)", () => {
    const propagation = (hostConfig: object) =>
      [
        ...mountPointsOf(merge({ Image: "img", HostConfig: hostConfig }).hostConfig, {
          probe: () => true,
          resolveContainer: () => undefined,
          mountPointsOfContainer: () => [],
          daemonRoot: "/var/lib/docker",
        }).values(),
      ].map((p) => `${p.Destination} ${p.Propagation}`);
    expect(propagation({ Binds: ["/var:/a", "/var/lib/docker/volumes:/b", "/var/lib/dockerx:/c", "/tmp:/d", "/:/e:rshared"] })).toEqual([
      "/a rslave",
      "/b rslave",
      "/c rslave",
      "/d rprivate",
      "/e rshared",
    ]);
    expect(propagation({ Mounts: [{ Type: "bind", Source: "/exists", Target: "/m" }] })).toEqual(["/m rprivate"]);
    expect(() => merge({ Image: "img", HostConfig: { Binds: ["/:/host:rprivate"] } })).toThrow(
      expect.objectContaining({
        kind: "invalid_argument",
        message:
          'invalid mount config: must use either propagation mode "rslave" or "rshared" when mount source is within the daemon root, daemon root: "/var/lib/docker", bind mount source: "/", propagation: "rprivate"',
      }),
    );
  });

  it("passes a mount's volume labels and driver options on to the volume it makes", () => {
    const VolumeOptions = { Labels: { a: "b" }, DriverConfig: { Name: "local", Options: { type: "tmpfs", device: "tmpfs" } } };
    const { volumes } = merge(H({ Mounts: [{ Type: "volume", Source: "v", Target: "/v", VolumeOptions }] }));
    expect(volumes[0]).toEqual({
      destination: "/v",
      name: "v",
      driver: "local",
      copyData: true,
      labels: { a: "b" },
      driverOpts: { type: "tmpfs", device: "tmpfs" },
    });
  });

  it("warns when the host does not forward IPv4, except on the host and none networks", () => {
    const warning = "IPv4 forwarding is disabled. Networking will not work.";
    expect(merge(H({}), { host: { ipv4ForwardingDisabled: true } }).warnings).toEqual([warning]);
    expect(merge(H({ NetworkMode: "none" }), { host: { ipv4ForwardingDisabled: true } }).warnings).toEqual([]);
  });

  it("warns as dockerd for limits the host cannot apply", () => {
    expect(merge({ Image: "img", HostConfig: { BlkioWeight: 300, KernelMemory: 1 << 26 } }).warnings).toEqual([
      "Specifying a kernel memory limit is deprecated and will be removed in a future release.",
      "Your kernel does not support kernel memory limit capabilities or the cgroup is not mounted. Limitation discarded.",
      "Your kernel does not support Block I/O weight or the cgroup is not mounted. Weight discarded.",
    ]);
  });
});

const H = (host: object) => ({ Image: "img", HostConfig: host });

describe("validation: dockerd 20.10's message and class", () => {
  it.each<[object | string, string, string]>([
    ["", "internal", "EOF"],
    ["[1]", "internal", "json: cannot unmarshal array into Go value of type runconfig.ContainerConfigWrapper"],
    [{ Image: "img", Memory: 1 }, "invalid_argument", "Minimum memory limit allowed is 6MB"],
    [{ HostConfig: {} }, "invalid_argument", ENGINE.emptyConfigMessage],
    [{ Image: "img", WorkingDir: "x" }, "invalid_argument", "the working directory 'x' is invalid, it needs to be an absolute path"],
    [{ Image: "img", StopSignal: "NOPE" }, "invalid_argument", "Invalid signal: NOPE"],
    [{ Image: "img", Env: ["=x"] }, "invalid_argument", "invalid environment variable: =x"],
    [{ Image: "img", Healthcheck: { Interval: 1 } }, "invalid_argument", "Interval in Healthcheck cannot be less than 1ms"],
    [{ Image: "img", Healthcheck: { Retries: -1 } }, "invalid_argument", "Retries in Healthcheck cannot be negative"],
    [
      { Image: "img", Hostname: "h", HostConfig: { NetworkMode: "container:x" } },
      "invalid_argument",
      "conflicting options: hostname and the network mode",
    ],
    [
      { Image: "img", HostConfig: { NetworkMode: "container:x", Dns: ["1.1.1.1"] } },
      "invalid_argument",
      "conflicting options: dns and the network mode",
    ],
    [
      { Image: "img", ExposedPorts: { "1/tcp": {} }, HostConfig: { NetworkMode: "container:x" } },
      "invalid_argument",
      "conflicting options: port exposing and the container type network mode",
    ],
    [H({ Isolation: "process" }), "internal", `Invalid isolation: "process" - linux only supports 'default'`],
    [H({ IOMaximumBandwidth: 1 }), "internal", "Invalid QoS settings: linux does not support configuration of maximum bandwidth"],
    [H({ AutoRemove: true, RestartPolicy: { Name: "on-failure" } }), "invalid_argument", "can't create 'AutoRemove' container with restart policy"],
    [H({ RestartPolicy: { Name: "no", MaximumRetryCount: 1 } }), "invalid_argument", "maximum retry count cannot be used with restart policy 'no'"],
    [H({ RestartPolicy: { Name: "x" } }), "invalid_argument", "invalid restart policy 'x'"],
    [H({ Memory: 100 }), "invalid_argument", "Minimum memory limit allowed is 6MB"],
    [H({ KernelMemory: 100 }), "invalid_argument", ""],
    [H({ NanoCpus: 3e9 }), "invalid_argument", "Range of CPUs is from 0.01 to 2.00, as there are only 2 CPUs available"],
    [H({ CpusetCpus: "0-3" }), "invalid_argument", "Requested CPUs are not available - requested 0-3, available: 0-1"],
    [H({ CpusetCpus: "0-4000000000" }), "invalid_argument", "Requested CPUs are not available - requested 0-4000000000, available: 0-1"],
    [
      H({ CpusetMems: "9223372036854775808" }),
      "invalid_argument",
      "Invalid value 9223372036854775808 for cpuset mems: invalid format: 9223372036854775808",
    ],
    [H({ BlkioWeight: 5 }), "invalid_argument", ""],
    [H({ ShmSize: -5 }), "invalid_argument", "SHM size can not be less than 0"],
    [H({ Runtime: "kata" }), "invalid_argument", "Unknown runtime specified kata"],
    [H({ CapAdd: ["foo"] }), "invalid_argument", 'invalid CapAdd: unknown capability: "CAP_FOO"'],
    [H({ PortBindings: { "70000/tcp": [] } }), "invalid_argument", 'invalid port specification: "70000"'],
    [H({ PortBindings: { "80/tcp": [{ HostPort: "9-8" }] } }), "invalid_argument", 'invalid port specification: "9-8"'],
    [H({ ExtraHosts: [":1.2.3.4"] }), "invalid_argument", 'bad format for add-host: ":1.2.3.4"'],
    [
      H({ Mounts: [{ Type: "bind", Source: "/missing", Target: "/x" }] }),
      "invalid_argument",
      'invalid mount config for type "bind": bind source path does not exist: /missing',
    ],
    [
      H({ Mounts: [{ Type: "bind", Source: "/exists", Target: "/" }] }),
      "invalid_argument",
      `invalid mount config for type "bind": invalid specification: destination can't be '/'`,
    ],
    [
      H({ Mounts: [{ Type: "volume", Target: "/x", ReadOnly: true }] }),
      "invalid_argument",
      'invalid mount config for type "volume": must not set ReadOnly mode when using anonymous volumes',
    ],
    [H({ Binds: ["/a:ro"] }), "internal", "invalid volume specification: '/a:ro'"],
    [H({ Binds: ["/a:/b:ro,rw"] }), "internal", "invalid mode: ro,rw"],
    [H({ SecurityOpt: ["no-new-privileges=maybe"] }), "internal", 'invalid --security-opt 2: "no-new-privileges=maybe"'],
    [H({ LogConfig: { Type: "json-file", Config: { mode: "fast" } } }), "invalid_argument", "logger: logging mode not supported: fast"],
    [H({ LogConfig: { Type: "nope" } }), "invalid_argument", 'error looking up logging plugin nope: plugin "nope" not found'],
    [H({ Tmpfs: { "/": "" } }), "invalid_argument", "invalid specification: destination can't be '/'"],
    [
      { Image: "img", NetworkingConfig: { EndpointsConfig: { a: {}, b: {} } } },
      "internal",
      "Container cannot be connected to network endpoints: a, b",
    ],
    [
      { Image: "img", NetworkingConfig: { EndpointsConfig: { bridge: { IPAMConfig: { IPv4Address: "::1" } } } } },
      "internal",
      "invalid IPv4 address: ::1",
    ],
    [
      { Image: "img", HostConfig: { Memory: "1g" } },
      "internal",
      "json: cannot unmarshal string into Go struct field HostConfig.HostConfig.Memory of type int64",
    ],
    [
      { Image: "img", Volumes: ["x"] },
      "internal",
      "json: cannot unmarshal array into Go struct field ContainerConfigWrapper.Volumes of type map[string]struct {}",
    ],
    [
      { Image: "img", HostConfig: { RestartPolicy: { MaximumRetryCount: 1.5 } } },
      "internal",
      "json: cannot unmarshal number 1.5 into Go struct field RestartPolicy.HostConfig.RestartPolicy.MaximumRetryCount of type int",
    ],
    [{ Image: 5 }, "internal", "json: cannot unmarshal number into Go struct field ContainerConfigWrapper.Image of type string"],
    [
      { Image: "img", HostConfig: { NetworkMode: true } },
      "internal",
      "json: cannot unmarshal bool into Go struct field HostConfig.HostConfig.NetworkMode of type container.NetworkMode",
    ],
  ])("%j → %s %j", (body, kind, message) => {
    let thrown: unknown;
    try {
      merge(body);
    } catch (err) {
      thrown = err;
    }
    if (message === "") expect(thrown).toBeUndefined();
    else expect(thrown).toMatchObject({ kind, message });
  });
});

describe("ImageConfigCache", () => {
  it("decodes a config document once, whether it comes as text or bytes", () => {
    const cache = new ImageConfigCache();
    const config = cache.configOf(IMAGE);
    expect(config?.User).toBe("app");
    expect(cache.configOf(Buffer.from(IMAGE))).toBe(config);
  });

  it("is not changed by the merges that use it", () => {
    merge({ Env: ["A=2"], Labels: { shared: "user" }, Cmd: ["ls"] });
    const { config } = merge({ Image: "img" });
    expect(config).toMatchObject({ Env: ["PATH=/bin", "A=1"], Labels: { from: "image", shared: "image" }, Cmd: ["/bin/sh", "-c", "run"] });
  });
});

describe("keys that differ only in case, as Go's decoder reads them (in order, the last one winning)", () => {
  it("takes the image and config fields from the last key that names them", () => {
    const body = '{"Image":"golden:1","image":"nosuch:2","cmd":["a"],"Cmd":["b"]}';
    expect(requestedImage(body)).toBe("nosuch:2");
    expect(merge(body).config).toMatchObject({ Image: "nosuch:2", Cmd: ["b"] });
  });

  it("decodes each HostConfig key over the one before, so their fields add up", () => {
    const { hostConfig } = merge('{"Image":"img","HostConfig":{"Memory":67108864,"CpuShares":2},"hostconfig":{"CpuShares":5}}');
    expect(hostConfig).toMatchObject({ Memory: 67108864, CpuShares: 5 });
  });

  it("answers no image for a body Go would not decode, so that the merge reports it", () => {
    for (const body of ["", "{", "[1]", '"x"', '{"Image":5}']) expect(requestedImage(body)).toBe("");
    expect(requestedImage('{"Image":"golden:1"} trailing')).toBe("golden:1");
  });
});
