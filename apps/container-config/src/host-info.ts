import { existsSync, readFileSync } from "node:fs";
import { availableParallelism, hostname } from "node:os";
import type { HostInfo } from "@slipway/container-rules";

const CGROUP = "/sys/fs/cgroup";

function readFileOr(path: string, fallback: string): string {
  return existsSync(path) ? readFileSync(path, "utf8").trim() : fallback;
}

/** What dockerd's sysinfo would report on this host, read once at start from the cgroup mounts, and its root. */
export function readHostInfo(daemonRoot: string, root = CGROUP): HostInfo {
  const v2 = existsSync(`${root}/cgroup.controllers`);
  const has = (path: string) => existsSync(`${root}/${path}`);
  const read = (path: string, fallback: string) => readFileOr(`${root}/${path}`, fallback);
  const cpuCount = availableParallelism();
  return {
    cpuCount,
    cgroupVersion: v2 ? 2 : 1,
    cpusetCpus: read(v2 ? "cpuset.cpus.effective" : "cpuset/cpuset.cpus", `0-${cpuCount - 1}`),
    cpusetMems: read(v2 ? "cpuset.mems.effective" : "cpuset/cpuset.mems", "0"),
    swapLimit: v2 || has("memory/memory.memsw.limit_in_bytes"),
    memorySwappiness: !v2 && has("memory/memory.swappiness"),
    blkioWeight: v2 ? has("io.bfq.weight") : has("blkio/blkio.weight"),
    kernelMemory: !v2 && has("memory/memory.kmem.limit_in_bytes"),
    ipv4ForwardingDisabled: readFileOr("/proc/sys/net/ipv4/ip_forward", "1") === "0",
    daemonRoot,
    hostname: hostname(),
  };
}
