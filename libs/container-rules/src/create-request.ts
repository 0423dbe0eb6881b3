import { ENGINE } from "./engine-target.js";
import { decodeGo, findField, type GoStruct } from "./go-types.js";
import { parseFirstJsonValue } from "./json-input.js";
import { entrypointAndArgs, mergeImageConfig } from "./merge.js";
import { badRequest, serverError, type Config, type HostConfig, type HostInfo, type NetworkingConfig } from "./model.js";
import { applyApiVersionShims, applyDaemonDefaults, applyPathDefaults, type ContainerResolver } from "./defaults.js";
import { mergeLogConfig } from "./log-config.js";
import { mountPointsOf, volumeOf, type ContainerMountPoints, type ContainerVolume, type MountPointRecord, type PathProbe } from "./mounts.js";
import { linksOf, networksOf, verifyNetworkingConfig, type LinkTargets } from "./networks.js";
import { configType, hostConfigType, imageType, wrapperFields } from "./schemas.js";
import { parseSecurityOpts } from "./security-opts.js";
import { cleanPath } from "@slipway/docker-spec";
import { validateContainerConfig } from "./validate-config.js";
import { validateHostConfig } from "./validate-host.js";
import { validateAtDecode, verifyPlatformSettings } from "./validate-platform.js";

export interface MergeInput {
  /** The raw POST /containers/create body. */
  body: string | Uint8Array;
  /** The image config document as stored in imagedb; null for an image-less container. */
  imageConfig: string | Uint8Array | null;
  /** Image configs decoded by earlier merges (one cache per app). */
  imageConfigs: ImageConfigCache;
  /** The 64-hex container ID (its short form is the default hostname). */
  containerId: string;
  /** The client's API version ("" for the newest). */
  apiVersion: string;
  host: HostInfo;
  probe: PathProbe;
  /** Existing containers, for `container:<name>` namespace modes, links and VolumesFrom. */
  resolveContainer: ContainerResolver;
  /** An existing container's mount points, for VolumesFrom. */
  mountPointsOfContainer: ContainerMountPoints;
  /** An existing container's network mode, for links. */
  networkModeOf: LinkTargets["networkModeOf"];
}

export interface MergedContainer {
  config: Config;
  hostConfig: HostConfig;
  /** NetworkSettings.Networks as created; null for disabled networking and `container:` modes. */
  networks: Record<string, GoStruct> | null;
  path: string;
  args: string[];
  warnings: string[];
  /**
   * The volumes to create or find: those of Binds, then of Mounts, then an anonymous one for each
   * Config.Volumes destination no bind or mount covers (in HostConfig.VolumeDriver), sorted.
   */
  volumes: ContainerVolume[];
}

interface Decoded {
  config: Config | null;
  host: HostConfig | null;
  networking: NetworkingConfig | null;
}

/**
 * Everything dockerd 20.10 does to a create request before it writes anything, in its order:
 * decode (runconfig), the router's version shims, verifyContainerSettings, the networking check,
 * daemon defaults, the merge with the image config, the log config, the container's hostname,
 * Path/Args, security options, mount points, default masked paths and the networks.
 */
export function mergeAndVerify(input: MergeInput): MergedContainer {
  const { config, host: requestedHost, networking } = decodeCreateRequest(input.body, input.host);
  if (requestedHost) applyApiVersionShims(requestedHost, input.apiVersion, input.host);
  if (!config) throw badRequest(ENGINE.emptyConfigMessage);
  validateContainerConfig(config);
  const warnings = requestedHost ? verifyHost(requestedHost, input) : [];
  verifyNetworkingConfig(networking);
  const host = requestedHost ?? (decodeGo(hostConfigType, {}) as HostConfig);
  applyDaemonDefaults(host, input.host, input.resolveContainer);
  mergeWithImage(config, input.imageConfig, input.imageConfigs);
  mergeLogConfig(host);
  if (config.Hostname === "") config.Hostname = host.NetworkMode === "host" ? input.host.hostname : input.containerId.slice(0, 12);
  const { path, args } = entrypointAndArgs(config);
  parseSecurityOpts(host.SecurityOpt);
  const mounted = mountPointsOf(host, { ...input, daemonRoot: input.host.daemonRoot });
  linksOf(host, input);
  applyPathDefaults(host);
  if (host.NetworkMode === "") host.NetworkMode = ENGINE.blankNetworkMode;
  return {
    config,
    hostConfig: host,
    networks: networksOf(config, host, networking),
    path,
    args,
    warnings,
    volumes: volumesOf(config, host, mounted),
  };
}

/** In dockerd's order (which decides whose error is reported): Binds, Mounts, then Config.Volumes by path. */
function volumesOf(config: Config, host: HostConfig, mounted: ReadonlyMap<string, MountPointRecord>): ContainerVolume[] {
  const anonymous = [...new Set(Object.keys(config.Volumes ?? {}).map(cleanPath))].filter((p) => !mounted.has(p)).sort();
  return [
    ...[...mounted.values()].filter((point) => point.Type === "volume").map(volumeOf),
    ...anonymous.map((destination) => ({ destination, name: "", driver: host.VolumeDriver || "local", copyData: true, labels: {}, driverOpts: {} })),
  ];
}

function verifyHost(host: HostConfig, input: MergeInput): string[] {
  validateHostConfig(host, input.probe);
  return verifyPlatformSettings(host, input.host);
}

function mergeWithImage(config: Config, imageConfig: MergeInput["imageConfig"], cache: ImageConfigCache): void {
  const image = imageConfig !== null && imageConfig.length > 0 ? cache.configOf(imageConfig) : null;
  if (image) mergeImageConfig(config, image);
  if (config.Entrypoint?.length === 1 && config.Entrypoint[0] === "") config.Entrypoint = null;
  if ((config.Entrypoint ?? []).length === 0 && (config.Cmd ?? []).length === 0) throw badRequest(ENGINE.noCommandMessage);
}

const MAX_IMAGE_CONFIGS = 64;

/**
 * Images' Config, decoded once per config document: an image's never changes, and decoding it again would
 * be a large part of every merge. Shared by the merges of its containers, which copy what they take from it.
 */
export class ImageConfigCache {
  private readonly configs = new Map<string, Config | null>();

  configOf(json: string | Uint8Array): Config | null {
    const key = typeof json === "string" ? json : Buffer.from(json.buffer, json.byteOffset, json.byteLength).toString("latin1");
    let config = this.configs.get(key);
    if (config === undefined) {
      config = (decodeGo(imageType, parseFirstJsonValue(json)) as { config: Config | null }).config;
      if (this.configs.size >= MAX_IMAGE_CONFIGS) this.configs.clear();
      this.configs.set(key, config);
    }
    return config;
  }
}

/** Go names the fields of the create body after the wrapper struct that embeds Config and HostConfig. */
const WRAPPER = { struct: "ContainerConfigWrapper", path: "" };

/**
 * runconfig's decode of the ContainerConfigWrapper: Config exists only when the body names one of its
 * fields, HostConfig and NetworkingConfig only when present; then the decoder's own checks.
 */
export function decodeCreateRequest(body: string | Uint8Array, info: HostInfo): Decoded {
  const json = parseFirstJsonValue(body);
  if (typeof json !== "object" || json === null || Array.isArray(json)) {
    throw serverError(`json: cannot unmarshal ${Array.isArray(json) ? "array" : typeof json} into Go value of type runconfig.ContainerConfigWrapper`);
  }
  const record = json as Record<string, unknown>;
  const keys = Object.keys(record);
  const hasConfig = keys.some((key) => findField(configType, key) !== undefined);
  const config = hasConfig ? (decodeGo(configType, record, WRAPPER) as Config) : null;
  const host = hostConfigOf(record);
  const networking = decodeWrapperField(record, "NetworkingConfig") as NetworkingConfig | null;
  if (host) {
    if (config && config.Volumes === null) config.Volumes = {};
    if (host.NetworkMode === "") host.NetworkMode = ENGINE.blankNetworkMode;
    validateAtDecode(config, host, info);
  }
  return { config, host, networking };
}

/**
 * Config.Image of a create body as Go's decode fills it: the last key that names it (ignoring case) with a
 * string value. "" when there is none, and when the body would not decode at all: mergeAndVerify then
 * answers with dockerd's error, so a caller that looks the image up first must not answer before it.
 */
export function requestedImage(body: string | Uint8Array): string {
  let json: unknown;
  try {
    json = parseFirstJsonValue(body);
  } catch {
    return "";
  }
  if (typeof json !== "object" || json === null || Array.isArray(json)) return "";
  let image = "";
  for (const [key, value] of Object.entries(json)) if (key.toLowerCase() === "image" && typeof value === "string") image = value;
  return image;
}

/** Fields the deprecated top-level HostConfig may lend to the inner one (getHostConfig). */
const LENT_FIELDS = ["Memory", "MemorySwap", "CpuShares", "CpusetCpus", "VolumeDriver"] as const;

/**
 * getHostConfig: the inner HostConfig; or, for old clients, HostConfig fields at the top level of the
 * body (a few of which also fill the inner one's zero values).
 */
function hostConfigOf(record: Record<string, unknown>): HostConfig | null {
  const inner = decodeWrapperField(record, "HostConfig") as HostConfig | null;
  const hasTopLevel = Object.keys(record).some((key) => findField(hostConfigType, key) !== undefined);
  const outer = hasTopLevel ? (decodeGo(hostConfigType, record, WRAPPER) as HostConfig) : null;
  if (!inner || !outer) return inner ?? outer;
  for (const field of LENT_FIELDS) {
    if (outer[field] && !inner[field]) (inner as Record<string, unknown>)[field] = outer[field];
  }
  return inner;
}

/** A wrapper field as Go fills it: each key that names it (ignoring case), in order, decoded over the one before. */
function decodeWrapperField(record: Record<string, unknown>, field: "HostConfig" | "NetworkingConfig"): unknown {
  const [type, at, name] = [wrapperFields[field]!, { ...WRAPPER, path: field }, field.toLowerCase()];
  let value: unknown = null;
  for (const key of Object.keys(record)) if (key.toLowerCase() === name) value = decodeGo(type, record[key], at, value);
  return value;
}
