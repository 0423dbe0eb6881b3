/**
 * Platforms as dockerd 20.10 compares them (containerd's platforms package of that time): normalisation
 * of OS and architecture names, `--platform` parsing, and the choice of one manifest from a list.
 */
import { RegistryError } from "./errors.js";

export interface Platform {
  readonly os: string;
  readonly architecture: string;
  /** "" or absent when there is none. */
  readonly variant?: string;
}

/** A manifest list entry's platform as it is in the JSON ("os.version" etc. play no part on Linux). */
export interface ListedPlatform {
  readonly os?: string;
  readonly architecture?: string;
  readonly variant?: string;
}

const KNOWN_OS = new Set([
  "aix",
  "android",
  "darwin",
  "dragonfly",
  "freebsd",
  "hurd",
  "illumos",
  "js",
  "linux",
  "nacl",
  "netbsd",
  "openbsd",
  "plan9",
  "solaris",
  "windows",
  "zos",
]);
const KNOWN_ARCH = new Set([
  ...["386", "amd64", "amd64p32", "arm", "armbe", "arm64", "arm64be", "ppc64", "ppc64le", "mips", "mipsle", "mips64", "mips64le"],
  ...["mips64p32", "mips64p32le", "ppc", "riscv", "riscv64", "s390", "s390x", "sparc", "sparc64", "wasm"],
]);
const SPECIFIER_COMPONENT = /^[A-Za-z0-9_-]+$/;

// Node's process.arch names in Go's GOARCH spelling.
const GO_ARCH: Readonly<Record<string, string>> = { x64: "amd64", ia32: "386", ppc64: "ppc64le", mipsel: "mipsle" };

/** The platform of this process as Go's runtime would name it (GOOS/GOARCH, and the ARM version). */
export function hostPlatform(nodeArch: string = process.arch, armVersion = armVersionOfNode()): Platform {
  const architecture = GO_ARCH[nodeArch] ?? nodeArch;
  // Go's default spec names the CPU variant on ARM only (arm64 is "v8", which matching normalises away).
  return { os: "linux", architecture, variant: architecture === "arm" ? `v${armVersion}` : architecture === "arm64" ? "v8" : "" };
}

function armVersionOfNode(): string {
  const variables = process.config.variables as unknown as Record<string, unknown>;
  return String(variables.arm_version ?? "7");
}

/** "linux/arm64/v8", "linux/amd64"; "unknown" without an OS. */
export function formatPlatform(platform: Platform): string {
  if (platform.os === "") return "unknown";
  return [platform.os, platform.architecture, platform.variant ?? ""].filter((part) => part !== "").join("/");
}

/** containerd's Normalize: lower case, the usual aliases (x86_64, aarch64, armhf, …), ARM variants spelled "vN". */
export function normalizePlatform(platform: ListedPlatform, defaultOs = "linux"): Platform {
  const os =
    platform.os === undefined || platform.os === "" ? defaultOs : platform.os.toLowerCase() === "macos" ? "darwin" : platform.os.toLowerCase();
  const [architecture, variant] = normalizeArchitecture(platform.architecture ?? "", platform.variant ?? "");
  return { os, architecture, variant };
}

function normalizeArchitecture(arch: string, variant: string): [string, string] {
  arch = arch.toLowerCase();
  variant = variant.toLowerCase();
  switch (arch) {
    case "i386":
      return ["386", ""];
    case "x86_64":
    case "x86-64":
      return ["amd64", ""];
    case "aarch64":
    case "arm64":
      return ["arm64", variant === "8" || variant === "v8" ? "" : variant];
    case "armhf":
      return ["arm", "v7"];
    case "armel":
      return ["arm", "v6"];
    case "arm":
      return ["arm", variant === "" || variant === "7" ? "v7" : ["5", "6", "8"].includes(variant) ? `v${variant}` : variant];
    default:
      return [arch, variant];
  }
}

/**
 * A `--platform` value as dockerd parses it (platforms.Parse): "linux", "arm64", "linux/arm64",
 * "linux/arm/v6". A missing part comes from the host. Errors carry containerd's texts.
 */
export function parsePlatform(specifier: string, host: Platform = hostPlatform()): Platform {
  const invalid = (text: string) => new RegistryError(`${text}: invalid argument`, { category: "invalid-parameter" });
  if (specifier.includes("*")) throw invalid(`${JSON.stringify(specifier)}: wildcards not yet supported`);
  const parts = specifier.split("/");
  const bad = parts.find((part) => !SPECIFIER_COMPONENT.test(part));
  if (bad !== undefined) {
    throw invalid(
      `${JSON.stringify(bad)} is an invalid component of ${JSON.stringify(specifier)}: platform specifier component must match ${JSON.stringify(SPECIFIER_COMPONENT.source)}`,
    );
  }
  const os = (name: string) => (name.toLowerCase() === "macos" ? "darwin" : name.toLowerCase());
  if (parts.length === 1) {
    if (KNOWN_OS.has(os(parts[0]!))) {
      return {
        os: os(parts[0]!),
        architecture: host.architecture,
        variant: host.architecture === "arm" && host.variant !== "v7" ? (host.variant ?? "") : "",
      };
    }
    const [architecture, variant] = normalizeArchitecture(parts[0]!, "");
    if (KNOWN_ARCH.has(architecture)) return { os: host.os, architecture, variant: architecture === "arm" && variant === "v7" ? "" : variant };
    throw invalid(`${JSON.stringify(specifier)}: unknown operating system or architecture`);
  }
  if (parts.length === 2 || parts.length === 3) {
    const [architecture, variant] = normalizeArchitecture(parts[1]!, parts[2] ?? "");
    if (parts.length === 2) return { os: os(parts[0]!), architecture, variant: architecture === "arm" && variant === "v7" ? "" : variant };
    return { os: os(parts[0]!), architecture, variant: architecture === "arm64" && variant === "" ? "v8" : variant };
  }
  throw invalid(`${JSON.stringify(specifier)}: cannot parse platform specifier`);
}

/**
 * The entry dockerd 20.10 pulls from a manifest list: the first whose normalised OS, architecture and
 * variant equal the wanted platform's (the host's, or `requested` with the host filling what it leaves
 * out); for ARM, failing that, the first with the same OS and architecture whatever its variant.
 */
export function selectManifest<T extends { readonly platform?: ListedPlatform }>(
  entries: readonly T[],
  requested: Platform | undefined,
  host: Platform = hostPlatform(),
): T {
  const wanted = normalizePlatform(withHostDefaults(requested, host), host.os);
  const same = (a: Platform) => a.os === wanted.os && a.architecture === wanted.architecture && (a.variant ?? "") === (wanted.variant ?? "");
  const match =
    entries.find((entry) => same(normalizePlatform(entry.platform ?? {}, host.os))) ??
    (wanted.architecture === "arm"
      ? entries.find((entry) => entry.platform?.os === wanted.os && entry.platform?.architecture === wanted.architecture)
      : undefined);
  if (match !== undefined) return match;
  const shown = requested !== undefined && requested.os !== "" ? requested : host;
  throw new RegistryError(`no matching manifest for ${formatPlatform(shown)} in the manifest list entries`);
}

function withHostDefaults(requested: Platform | undefined, host: Platform): Platform {
  const os = requested?.os || host.os;
  if (!requested?.architecture) return { os, architecture: host.architecture, variant: host.variant ?? "" };
  return { os, architecture: requested.architecture, variant: requested.variant ?? "" };
}

/**
 * Whether an image config's platform serves the wanted one, as dockerd 20.10 checks a pulled single-arch
 * image against `--platform` (OnlyPlatformWithFallback): same OS and architecture once normalised, and the
 * same variant, an older ARM one (v5 and up), or none at all.
 */
export function imageMatchesPlatform(wanted: Platform, image: ListedPlatform): boolean {
  const want = normalizePlatform(wanted);
  const have = normalizePlatform(image);
  if (want.os !== have.os || want.architecture !== have.architecture) return false;
  if ((image.variant ?? "") === "" || have.variant === want.variant) return true;
  const version = (variant: string | undefined) => Number(/^v(\d+)$/.exec(variant ?? "")?.[1] ?? NaN);
  return want.architecture === "arm" && version(have.variant) >= 5 && version(have.variant) < version(want.variant);
}
