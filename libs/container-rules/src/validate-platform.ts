import { ENGINE } from "./engine-target.js";
import { badRequest, serverError, type Config, type HostConfig, type HostInfo } from "./model.js";
import { validateMountConfig } from "./mounts.js";
import { verifyResources } from "./validate-resources.js";

/** The runtimes a stock 20.10 knows; the v1 shim is deprecated. */
const RUNTIMES = new Set(["runc", "io.containerd.runc.v2", "io.containerd.runtime.v1.linux"]);
const DEPRECATED_RUNTIME = "io.containerd.runtime.v1.linux";
const DEFAULT_RUNTIME = "runc";

/** verifyPlatformContainerSettings: resources, SHM, OOM score, runtime (defaulted to runc), tmpfs, cgroupns. */
export function verifyPlatformSettings(host: HostConfig, info: HostInfo): string[] {
  const warnings = verifyResources(host, info);
  if (host.ShmSize < 0) throw badRequest("SHM size can not be less than 0");
  if (host.OomScoreAdj < -1000 || host.OomScoreAdj > 1000) {
    throw badRequest(`Invalid value ${host.OomScoreAdj}, range for oom score adj is [-1000, 1000]`);
  }
  if (info.ipv4ForwardingDisabled && host.NetworkMode !== "host" && host.NetworkMode !== "none") {
    warnings.push("IPv4 forwarding is disabled. Networking will not work.");
  }
  if (host.NetworkMode === "host" && Object.keys(host.PortBindings ?? {}).length > 0) {
    warnings.push("Published ports are discarded when using host network mode");
  }
  if (host.Runtime === "") host.Runtime = DEFAULT_RUNTIME;
  if (!RUNTIMES.has(host.Runtime)) throw badRequest(`Unknown runtime specified ${host.Runtime}`);
  for (const destination of Object.keys(host.Tmpfs ?? {})) {
    try {
      validateMountConfig({ Type: "tmpfs", Target: destination }, () => true, false);
    } catch (err) {
      throw badRequest((err as Error).message.replace(/^invalid mount config for type "tmpfs": /, ""));
    }
  }
  if (!["", "host", "private"].includes(host.CgroupnsMode)) throw badRequest(`invalid cgroup namespace mode: ${host.CgroupnsMode}`);
  if (ENGINE.validatesNamespaceModesAtCreate) validateNamespaceModes(host);
  if (host.Runtime === DEPRECATED_RUNTIME) {
    warnings.push(`Configured runtime ${JSON.stringify(DEPRECATED_RUNTIME)} is deprecated and will be removed in the next release.`);
  }
  return warnings;
}

/** What current engines check at create (20.10 leaves it to start): each namespace mode is a known form. */
function validateNamespaceModes(host: HostConfig): void {
  const shared = (mode: string) => mode === "" || mode === "host" || /^container:.+/.test(mode);
  if (!shared(host.IpcMode) && !["private", "shareable", "none"].includes(host.IpcMode)) throw badRequest(`invalid IPC mode: ${host.IpcMode}`);
  if (!shared(host.PidMode)) throw badRequest(`invalid PID mode: ${host.PidMode}`);
  if (!["", "host"].includes(host.UTSMode)) throw badRequest(`invalid UTS mode: ${host.UTSMode}`);
}

const modeName = (mode: string) => mode.split(":", 1)[0];
const isContainerMode = (mode: string) => modeName(mode) === "container" && mode.includes(":");

/** The checks runconfig's decoder makes (network mode conflicts 400; isolation, QoS, real-time 500 in 20.10). */
export function validateAtDecode(config: Config | null, host: HostConfig, info: HostInfo): void {
  if (config) validateNetMode(config, host);
  if (!["", "default"].includes(host.Isolation.toLowerCase())) throw serverError(ENGINE.invalidIsolationMessage(host.Isolation));
  if (host.IOMaximumBandwidth !== 0) throw serverError("Invalid QoS settings: linux does not support configuration of maximum bandwidth");
  if (host.IOMaximumIOps !== 0) throw serverError("Invalid QoS settings: linux does not support configuration of maximum IOPs");
  if (host.CpuRealtimePeriod > 0 && info.cgroupVersion === 2) throw serverError("Your kernel does not support CPU real-time scheduler");
  if (host.CpuRealtimePeriod !== 0 && host.CpuRealtimeRuntime !== 0 && host.CpuRealtimeRuntime > host.CpuRealtimePeriod) {
    throw serverError("cpu real-time runtime cannot be higher than cpu real-time period");
  }
}

function validateNetMode(config: Config, host: HostConfig): void {
  const mode = host.NetworkMode;
  const conflict = (what: string) => badRequest(`conflicting options: ${what}`);
  if (modeName(mode) === "container" && (mode.split(":")[1] ?? "") === "") {
    throw badRequest("Invalid network mode: invalid container format container:<name|id>");
  }
  const container = isContainerMode(mode);
  if (container && config.Hostname !== "") throw conflict("hostname and the network mode");
  if (container && (host.Links ?? []).length > 0)
    throw conflict("container type network can't be used with links. This would result in undefined behavior");
  if (container && (host.Dns ?? []).length > 0) throw conflict("dns and the network mode");
  if (container && (host.ExtraHosts ?? []).length > 0) throw conflict("custom host-to-IP mapping and the network mode");
  if ((container || mode === "host") && config.MacAddress !== "") throw conflict("mac-address and the network mode");
  if (container && (Object.keys(host.PortBindings ?? {}).length > 0 || host.PublishAllPorts)) {
    throw conflict("port publishing and the container type network mode");
  }
  if (container && Object.keys(config.ExposedPorts ?? {}).length > 0) throw conflict("port exposing and the container type network mode");
  if (host.UTSMode === "host" && config.Hostname !== "") throw conflict("hostname and the UTS mode");
  if (mode === "host" && (host.Links ?? []).length > 0)
    throw conflict("host type networking can't be used with links. This would result in undefined behavior");
}
