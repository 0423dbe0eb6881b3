import { ENGINE } from "./engine-target.js";
import { badRequest, type HostConfig, type HostInfo } from "./model.js";

/** Finds a container by ID, prefix or name and returns its full ID (the records' owner supplies it). */
export type ContainerResolver = (idOrName: string) => string | undefined;

const CONTAINER_PREFIX = "container:";
const sharedWith = (mode: string) => (mode.startsWith(CONTAINER_PREFIX) ? mode.slice(CONTAINER_PREFIX.length) : undefined);

const DEFAULT_SHM_SIZE = 64 * 1024 * 1024;

/**
 * 2 × n in Go's int64 arithmetic, which wraps around; exact for the integers beyond JS's safe range, which
 * decodeGo gives as bigints (so the type says number for what may be a bigint at run time).
 */
function int64Doubled(n: number): number {
  const product = BigInt.asIntN(64, BigInt(n) * 2n);
  return (Number.isSafeInteger(Number(product)) ? Number(product) : product) as number;
}

/** adaptContainerSettings: the daemon defaults a created container gets. */
export function applyDaemonDefaults(host: HostConfig, info: HostInfo, resolve: ContainerResolver): void {
  if (host.RestartPolicy.Name === "") host.RestartPolicy.Name = ENGINE.defaultRestartPolicyName;
  if (host.Memory > 0 && host.MemorySwap === 0) host.MemorySwap = int64Doubled(host.Memory);
  if (host.ShmSize === 0) host.ShmSize = DEFAULT_SHM_SIZE;
  if (host.IpcMode === "") host.IpcMode = "private";
  if (host.CgroupnsMode === "") host.CgroupnsMode = info.cgroupVersion === 2 ? "private" : "host";
  adaptSharedNamespaces(host, resolve);
  const overridesLabel = (host.SecurityOpt ?? []).some((opt) => opt.split("=")[0] === "label");
  if (!overridesLabel && (host.IpcMode === "host" || host.PidMode === "host" || host.Privileged)) {
    host.SecurityOpt = [...(host.SecurityOpt ?? []), "label=disable"];
  } else if (!overridesLabel) {
    // generateSecurityOpt copies the SELinux labels of a container whose IPC or PID namespace is
    // shared (none without SELinux), so that container must exist.
    for (const target of [sharedWith(host.IpcMode), sharedWith(host.PidMode)]) {
      if (target !== undefined && resolve(target) === undefined) throw badRequest(`No such container: ${target}`);
    }
  }
  host.OomKillDisable ??= false;
}

/** adaptSharedNamespaceContainer: `container:<name or prefix>` becomes `container:<full ID>` when it exists. */
function adaptSharedNamespaces(host: HostConfig, resolve: ContainerResolver): void {
  for (const field of ["PidMode", "IpcMode", "NetworkMode"] as const) {
    const target = sharedWith(host[field]);
    const id = target === undefined ? undefined : resolve(target);
    if (id !== undefined) host[field] = `${CONTAINER_PREFIX}${id}`;
  }
}

/** createContainerOSSpecificSettings: unprivileged containers get the default masked and read-only paths. */
export function applyPathDefaults(host: HostConfig): void {
  if (host.Privileged) return;
  host.MaskedPaths ??= [...ENGINE.maskedPaths];
  host.ReadonlyPaths ??= [...ENGINE.readonlyPaths];
}

/** The router's API-version shims and the PidsLimit rule (≤ 0 means unlimited, stored as nil). */
export function applyApiVersionShims(host: HostConfig, apiVersion: string, info: HostInfo): void {
  if (versionLess(apiVersion, "1.25")) host.AutoRemove = false;
  if (versionLess(apiVersion, "1.40")) {
    host.KernelMemoryTCP = 0;
    if (host.IpcMode === "") host.IpcMode = "shareable";
  }
  if (versionLess(apiVersion, "1.41") && info.cgroupVersion === 1 && host.CgroupnsMode === "") host.CgroupnsMode = "host";
  if (host.PidsLimit !== null && host.PidsLimit <= 0) host.PidsLimit = null;
}

/** versions.LessThan: dotted numeric comparison; an empty version is the target engine's. */
export function versionLess(version: string, than: string): boolean {
  const a = (version || ENGINE.apiVersion).split(".").map(Number);
  const b = than.split(".").map(Number);
  for (let i = 0; i < Math.max(a.length, b.length); i++) {
    const d = (a[i] ?? 0) - (b[i] ?? 0);
    if (d !== 0) return d < 0;
  }
  return false;
}
