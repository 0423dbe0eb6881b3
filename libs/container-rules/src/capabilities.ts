import { badRequest } from "./model.js";

// Linux capabilities dockerd 20.10 knows (the kernel's list), without the CAP_ prefix.
const KNOWN = new Set([
  "CHOWN",
  "DAC_OVERRIDE",
  "DAC_READ_SEARCH",
  "FOWNER",
  "FSETID",
  "KILL",
  "SETGID",
  "SETUID",
  "SETPCAP",
  "LINUX_IMMUTABLE",
  "NET_BIND_SERVICE",
  "NET_BROADCAST",
  "NET_ADMIN",
  "NET_RAW",
  "IPC_LOCK",
  "IPC_OWNER",
  "SYS_MODULE",
  "SYS_RAWIO",
  "SYS_CHROOT",
  "SYS_PTRACE",
  "SYS_PACCT",
  "SYS_ADMIN",
  "SYS_BOOT",
  "SYS_NICE",
  "SYS_RESOURCE",
  "SYS_TIME",
  "SYS_TTY_CONFIG",
  "MKNOD",
  "LEASE",
  "AUDIT_WRITE",
  "AUDIT_CONTROL",
  "SETFCAP",
  "MAC_OVERRIDE",
  "MAC_ADMIN",
  "SYSLOG",
  "WAKE_ALARM",
  "BLOCK_SUSPEND",
  "AUDIT_READ",
  "PERFMON",
  "BPF",
  "CHECKPOINT_RESTORE",
]);

/** caps.NormalizeLegacyCapabilities as a check: "ALL", or a known name with or without CAP_, any case. */
export function validateCapabilities(field: "CapAdd" | "CapDrop", caps: readonly string[] | null): void {
  for (const cap of caps ?? []) {
    if (cap.toUpperCase() === "ALL") continue;
    const name = cap.toUpperCase().replace(/^CAP_/, "");
    if (!KNOWN.has(name)) throw badRequest(`invalid ${field}: unknown capability: ${JSON.stringify(`CAP_${name}`)}`);
  }
}
