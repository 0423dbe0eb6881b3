import type { HostInfo } from "../model.js";

/** The host the rules' tests merge for: 2 CPUs, cgroup v1, swap limits on, dockerd's default data root. */
export const TEST_HOST: HostInfo = {
  cpuCount: 2,
  cgroupVersion: 1,
  cpusetCpus: "0-1",
  cpusetMems: "0",
  swapLimit: true,
  memorySwappiness: true,
  blkioWeight: false,
  kernelMemory: false,
  ipv4ForwardingDisabled: false,
  daemonRoot: "/var/lib/docker",
  hostname: "buildhost",
};
