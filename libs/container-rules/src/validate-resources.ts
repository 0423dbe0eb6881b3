import { validateCpuset } from "./cpuset.js";
import { ENGINE } from "./engine-target.js";
import { badRequest, type HostConfig, type HostInfo } from "./model.js";

const MIN_MEMORY = 6 * 1024 * 1024;

/**
 * verifyPlatformContainerResources: memory, CPU, cpuset and blkio limits. Limits the host cannot
 * apply are dropped with dockerd's warning, as dockerd does. Returns the warnings.
 */
export function verifyResources(host: HostConfig, info: HostInfo): string[] {
  const warnings: string[] = [];
  verifyMemory(host, info, warnings);
  verifyCpu(host, info, warnings);
  validateCpuset("cpus", host.CpusetCpus, info.cpusetCpus);
  validateCpuset("mems", host.CpusetMems, info.cpusetMems);
  if (host.BlkioWeight > 0 && !info.blkioWeight) {
    warnings.push("Your kernel does not support Block I/O weight or the cgroup is not mounted. Weight discarded.");
    host.BlkioWeight = 0;
  }
  if (host.BlkioWeight > 0 && (host.BlkioWeight < 10 || host.BlkioWeight > 1000)) throw badRequest("Range of blkio weight is from 10 to 1000");
  return warnings;
}

function verifyMemory(host: HostConfig, info: HostInfo, warnings: string[]): void {
  if (host.MemorySwappiness === -1) host.MemorySwappiness = null; // the CLI's "unset"
  if (host.Memory !== 0 && host.Memory < MIN_MEMORY) throw badRequest("Minimum memory limit allowed is 6MB");
  if (host.Memory > 0 && host.MemorySwap !== -1 && !info.swapLimit) {
    warnings.push("Your kernel does not support swap limit capabilities or the cgroup is not mounted. Memory limited without swap.");
    host.MemorySwap = -1;
  }
  if (host.Memory > 0 && host.MemorySwap > 0 && host.MemorySwap < host.Memory) {
    throw badRequest("Minimum memoryswap limit should be larger than memory limit, see usage");
  }
  if (host.Memory === 0 && host.MemorySwap > 0) throw badRequest("You should always set the Memory limit when using Memoryswap limit, see usage");
  if (host.MemorySwappiness !== null && !info.memorySwappiness) {
    warnings.push("Your kernel does not support memory swappiness capabilities or the cgroup is not mounted. Memory swappiness discarded.");
    host.MemorySwappiness = null;
  }
  const swappiness = host.MemorySwappiness;
  if (swappiness !== null && (swappiness < 0 || swappiness > 100)) {
    throw badRequest(`Invalid value: ${swappiness}, valid memory swappiness range is 0-100`);
  }
  if (host.MemoryReservation > 0 && host.MemoryReservation < MIN_MEMORY) throw badRequest("Minimum memory reservation allowed is 6MB");
  if (host.Memory > 0 && host.MemoryReservation > 0 && host.Memory < host.MemoryReservation) {
    throw badRequest("Minimum memory limit can not be less than memory reservation limit, see usage");
  }
  verifyKernelMemory(host, info, warnings);
  if (host.OomKillDisable === true && host.Memory === 0) {
    warnings.push("OOM killer is disabled for the container, but no memory limit is set, this can result in the system running out of resources.");
  }
}

function verifyKernelMemory(host: HostConfig, info: HostInfo, warnings: string[]): void {
  if (host.KernelMemory > 0) warnings.push("Specifying a kernel memory limit is deprecated and will be removed in a future release.");
  if (host.KernelMemory > 0 && !info.kernelMemory) {
    warnings.push("Your kernel does not support kernel memory limit capabilities or the cgroup is not mounted. Limitation discarded.");
    host.KernelMemory = 0;
  }
  if (host.KernelMemory > 0 && host.KernelMemory < MIN_MEMORY) throw badRequest(ENGINE.kernelMemoryMinimumMessage);
}

function verifyCpu(host: HostConfig, info: HostInfo, warnings: string[]): void {
  if (ENGINE.rejectsNegativeCpuShares && host.CpuShares < 0) {
    throw badRequest(`invalid CPU shares (${host.CpuShares}): value must be a positive integer`);
  }
  if (host.NanoCpus > 0 && host.CpuPeriod > 0) throw badRequest("Conflicting options: Nano CPUs and CPU Period cannot both be set");
  if (host.NanoCpus > 0 && host.CpuQuota > 0) throw badRequest("Conflicting options: Nano CPUs and CPU Quota cannot both be set");
  if (host.NanoCpus < 0 || host.NanoCpus > info.cpuCount * 1e9) {
    throw badRequest(`Range of CPUs is from 0.01 to ${info.cpuCount}.00, as there are only ${info.cpuCount} CPUs available`);
  }
  if (host.CpuPeriod !== 0 && (host.CpuPeriod < 1000 || host.CpuPeriod > 1_000_000)) {
    throw badRequest("CPU cfs period can not be less than 1ms (i.e. 1000) or larger than 1s (i.e. 1000000)");
  }
  if (host.CpuQuota > 0 && host.CpuQuota < 1000) throw badRequest("CPU cfs quota can not be less than 1ms (i.e. 1000)");
  if (host.CpuPercent > 0) {
    warnings.push("linux does not support CPU percent. Percent discarded.");
    host.CpuPercent = 0;
  }
}
