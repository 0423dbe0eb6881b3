import { existsSync, lstatSync, readdirSync, readFileSync, readlinkSync } from "node:fs";
import { join } from "node:path";

/** What `npm run demo` shows about one container, read from the data root (every section is plain text). */
export function createPathReport(dataRoot: string, containerId: string): string[] {
  const layerdb = join(dataRoot, "image/overlay2/layerdb");
  const mounts = join(layerdb, "mounts", containerId);
  const read = (path: string) => (existsSync(path) ? readFileSync(path, "utf8") : "(missing)");
  const mountId = read(join(mounts, "mount-id"));
  const initId = read(join(mounts, "init-id"));
  const parent = read(join(mounts, "parent"));
  const lines = [
    `Container ID: ${containerId}`,
    "",
    `== layerdb/mounts/${containerId}/  (the RW layer's record, published last)`,
    ...fileLines(mounts),
    `   mount-id = ${mountId}`,
    `   init-id  = ${initId}`,
    `   parent   = ${parent}`,
    `   the parent chainID's diffID (layerdb/sha256/<parent>/diff) = ${read(join(layerdb, "sha256", parent.replace(/^sha256:/, ""), "diff"))}`,
    "",
    "== the parent chain (layerdb/sha256/<chainID>/): chainID → diffID, cache-id (overlay2 dir)",
    ...chainLines(layerdb, parent),
    "",
    `== overlay2/${initId}/diff  (the init layer dockerd's initlayer.Setup writes)`,
    ...treeLines(join(dataRoot, "overlay2", initId, "diff")),
    "",
    `== overlay2/${mountId}/lower  (the mount layer's lower dirs, uppermost first)`,
    `   ${read(join(dataRoot, "overlay2", mountId, "lower"))}`,
    ...lowerLines(dataRoot, read(join(dataRoot, "overlay2", mountId, "lower"))),
    "",
    `== containers/${containerId}/`,
    ...fileLines(join(dataRoot, "containers", containerId)),
    ...configLines(join(dataRoot, "containers", containerId, "config.v2.json")),
    ...volumeLines(dataRoot, join(dataRoot, "containers", containerId, "config.v2.json")),
  ];
  return lines;
}

function modeOf(path: string): string {
  const stat = lstatSync(path);
  const type = stat.isDirectory() ? "d" : stat.isSymbolicLink() ? "l" : "-";
  const bits = stat.mode & 0o777;
  const rwx = [6, 3, 0].map((s) => ["r", "w", "x"].map((c, i) => ((bits >> (s + 2 - i)) & 1 ? c : "-")).join("")).join("");
  return `${type}${rwx} ${(stat.mode & 0o7777).toString(8).padStart(4, "0")}`;
}

/** One line per entry of a directory: mode, size, name. */
function fileLines(dir: string): string[] {
  if (!existsSync(dir)) return [`   (${dir} is missing)`];
  return readdirSync(dir)
    .sort()
    .map((name) => {
      const path = join(dir, name);
      const stat = lstatSync(path);
      return `   ${modeOf(path)} ${String(stat.isDirectory() ? "-" : stat.size).padStart(6)}  ${name}${stat.isDirectory() ? "/" : ""}`;
    });
}

/** Every path under a directory, with mode and symlink targets. */
function treeLines(root: string): string[] {
  if (!existsSync(root)) return [`   (${root} is missing)`];
  const lines: string[] = [];
  const walk = (dir: string, prefix: string) => {
    for (const name of readdirSync(dir).sort()) {
      const path = join(dir, name);
      const stat = lstatSync(path);
      const suffix = stat.isSymbolicLink() ? ` -> ${readlinkSync(path)}` : stat.isDirectory() ? "/" : ` (${stat.size} bytes)`;
      lines.push(`   ${modeOf(path)}  ${prefix}${name}${suffix}`);
      if (stat.isDirectory()) walk(path, `${prefix}${name}/`);
    }
  };
  walk(root, "");
  return lines;
}

/** From the image's top layer down to its base, following each layer's parent file. */
function chainLines(layerdb: string, topChainId: string): string[] {
  const lines: string[] = [];
  for (let chainId = topChainId; chainId.startsWith("sha256:");) {
    const dir = join(layerdb, "sha256", chainId.slice("sha256:".length));
    if (!existsSync(dir)) return [...lines, `   ${chainId}: (no layerdb entry)`];
    const diffId = readFileSync(join(dir, "diff"), "utf8");
    const cacheId = readFileSync(join(dir, "cache-id"), "utf8");
    const base = chainId === diffId ? "  (base layer: chainID = diffID)" : "";
    lines.push(`   ${chainId}`, `     diff     ${diffId}${base}`, `     cache-id ${cacheId}`);
    chainId = existsSync(join(dir, "parent")) ? readFileSync(join(dir, "parent"), "utf8") : "";
  }
  return lines;
}

/** Each l/<link> of a lower file, resolved to the overlay2 directory it names. */
function lowerLines(dataRoot: string, lower: string): string[] {
  return lower
    .split(":")
    .filter((entry) => entry.startsWith("l/"))
    .map((entry) => {
      const link = join(dataRoot, "overlay2", entry);
      return `     ${entry} -> ${existsSync(link) || isLink(link) ? readlinkSync(link) : "(missing link)"}`;
    });
}

function isLink(path: string): boolean {
  try {
    return lstatSync(path).isSymbolicLink();
  } catch {
    return false;
  }
}

/** Each anonymous volume's _data, seeded at create with the image's content at the mount path. */
function volumeLines(dataRoot: string, configPath: string): string[] {
  if (!existsSync(configPath)) return [];
  const { MountPoints } = JSON.parse(readFileSync(configPath, "utf8")) as { MountPoints: Record<string, { Name: string }> | null };
  return Object.entries(MountPoints ?? {}).flatMap(([destination, { Name }]) => [
    "",
    `== volumes/${Name}/_data  (the anonymous volume for ${destination}, seeded from the image)`,
    ...treeLines(join(dataRoot, "volumes", Name, "_data")),
  ]);
}

/** The config.v2.json fields that show the merge: Path/Args, Env, WorkingDir, Hostname, the volume. */
function configLines(path: string): string[] {
  if (!existsSync(path)) return [];
  const config = JSON.parse(readFileSync(path, "utf8")) as {
    Path: string;
    Args: string[];
    Name: string;
    Config: { Hostname: string; Env: string[] | null; WorkingDir: string; Image: string };
    MountPoints: Record<string, { Name: string }>;
  };
  return [
    "   config.v2.json (excerpt):",
    `     Name ${config.Name}   Image ${config.Config.Image}   Hostname ${config.Config.Hostname}`,
    `     Path ${config.Path}   Args ${JSON.stringify(config.Args)}`,
    `     Env ${JSON.stringify(config.Config.Env)}`,
    `     WorkingDir ${config.Config.WorkingDir}`,
    ...Object.entries(config.MountPoints ?? {}).map(([dest, mp]) => `     MountPoints ${dest} → volume ${mp.Name}`),
  ];
}
