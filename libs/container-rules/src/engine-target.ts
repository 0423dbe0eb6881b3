/**
 * THE table of behaviour that differs between the engine Slipway targets (Debian's dockerd 20.10.24,
 * API 1.41, verified against the live daemon) and moby's current source (API 1.5x). Code reads these
 * values instead of hard-coding either engine, so moving the target means editing this table only.
 * Each entry: the 20.10 value, and in the comment what current moby does.
 */
export const ENGINE = {
  /** Engine API version spoken. Current: 1.5x. */
  apiVersion: "1.41",
  /** Neither Entrypoint nor Cmd. Current: "no command specified" (lowercase). */
  noCommandMessage: "No command specified",
  /** Config == nil. Current: "config cannot be empty in order to create a container". */
  emptyConfigMessage: "Config cannot be empty in order to create a container",
  /** An empty NetworkMode is stored as "default". Current: "bridge" (and "default" is rewritten to it). */
  blankNetworkMode: "default",
  /** An empty RestartPolicy.Name stays "". Current: set to "no". */
  defaultRestartPolicyName: "",
  /** hostconfig.json carries KernelMemory and KernelMemoryTCP. Current: both keys are gone. */
  hostConfigHasKernelMemory: true,
  /** Hostnames over 64 bytes are accepted. Current: `hostname "<h>" is too long (maximum 64 bytes)`. */
  rejectsLongHostname: false,
  /** CpuShares < 0 is accepted. Current: `invalid CPU shares (<n>): value must be a positive integer`. */
  rejectsNegativeCpuShares: false,
  /** Ipc/Pid/UTS modes are checked only at start. Current: `invalid IPC mode: <m>` etc. at create. */
  validatesNamespaceModesAtCreate: false,
  /** Restart policy messages. Current: "invalid restart policy: ..." wording. */
  restartPolicyMessages: {
    retryCountWithoutOnFailure: (name: string) => `maximum retry count cannot be used with restart policy '${name}'`,
    negativeRetryCount: "maximum retry count cannot be negative",
    unknown: (name: string) => `invalid restart policy '${name}'`,
  },
  /** Kernel memory minimum. Current: the field no longer exists. */
  kernelMemoryMinimumMessage: "Minimum kernel memory limit allowed is 6MB",
  /** State carries RemovalInProgress; there is no ImagePlatform/ImageManifest. Current: the reverse. */
  stateHasRemovalInProgress: true,
  /** oci.DefaultSpec() masked paths, in 20.10's order. Current: a reordered list plus powercap and thermal_throttle paths. */
  maskedPaths: [
    "/proc/asound",
    "/proc/acpi",
    "/proc/kcore",
    "/proc/keys",
    "/proc/latency_stats",
    "/proc/timer_list",
    "/proc/timer_stats",
    "/proc/sched_debug",
    "/proc/scsi",
    "/sys/firmware",
  ],
  /** oci.DefaultSpec() read-only paths (unchanged since). */
  readonlyPaths: ["/proc/bus", "/proc/fs", "/proc/irq", "/proc/sys", "/proc/sysrq-trigger"],
  /** Isolation checked at decode: a 500 with this text. Current: a 400 `invalid isolation (<x>): linux only supports 'default'`. */
  invalidIsolationMessage: (isolation: string) => `Invalid isolation: ${JSON.stringify(isolation)} - linux only supports 'default'`,
  /** Invalid --security-opt, Binds syntax, QoS and real-time errors are 500s in 20.10. Current: 400s. */
  plainErrorsAreServerErrors: true,
} as const;
