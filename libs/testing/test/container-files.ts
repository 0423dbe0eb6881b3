import { lstatSync, readFileSync, readlinkSync } from "node:fs";
import { join, relative } from "node:path";
import { walk } from "./tree.js";

/** A container's files in a data root, with its own IDs, name, volume names and times replaced by placeholders. */
export interface NormalisedContainer {
  /** mode, owner, size and symlink target of every path of the init layer's diff/. */
  readonly initTree: string[];
  /** The entries of overlay2/<mount-id>-init/ and overlay2/<mount-id>/ (diff, link, lower, work, ...). */
  readonly layerDirs: string[];
  /** The lower files, the container's own init link replaced. */
  readonly lowers: string[];
  /** layerdb/mounts/<id>/: file names, and parent's content. */
  readonly mountFiles: string[];
  readonly config: unknown;
  readonly hostConfig: unknown;
}

export function normalisedContainer(dataRoot: string, id: string): NormalisedContainer {
  const layerdbMounts = join(dataRoot, "image/overlay2/layerdb/mounts", id);
  const mountId = readFileSync(join(layerdbMounts, "mount-id"), "utf8");
  const initDir = join(dataRoot, "overlay2", `${mountId}-init`);
  const mountDir = join(dataRoot, "overlay2", mountId);
  const initLink = readFileSync(join(initDir, "link"), "utf8");
  const containerDir = join(dataRoot, "containers", id);
  const config = JSON.parse(readFileSync(join(containerDir, "config.v2.json"), "utf8")) as {
    Name: string;
    MountPoints?: Record<string, { Name?: string }>;
  };
  const replacements: [string, string][] = [
    [id, "<id>"],
    [id.slice(0, 12), "<short-id>"],
    [mountId, "<mount-id>"],
    ...Object.values(config.MountPoints ?? {}).map((m): [string, string] => [m.Name ?? "", "<volume>"]),
  ];
  const normalise = (text: string) => replacements.reduce((t, [from, to]) => (from ? t.split(from).join(to) : t), text);
  const configText = normalise(readFileSync(join(containerDir, "config.v2.json"), "utf8")).replace(/"Created":"[^"]+"/, '"Created":"<created>"');
  return {
    initTree: walk(join(initDir, "diff")).map((path) => describe(path, join(initDir, "diff"))),
    layerDirs: [initDir, mountDir].flatMap((dir) =>
      walk(dir)
        .filter((p) => !p.includes("/diff/"))
        .map((p) => `${dir === initDir ? "init" : "mount"}:${describe(p, dir)}`),
    ),
    lowers: [initDir, mountDir].map((dir) => readFileSync(join(dir, "lower"), "utf8").split(initLink).join("<init-link>")),
    mountFiles: walk(layerdbMounts)
      .map((p) => relative(layerdbMounts, p))
      .concat(readFileSync(join(layerdbMounts, "parent"), "utf8")),
    // The name by field, not by text: "/vol" also occurs in "slipway-e2e/volume:1".
    config: { ...JSON.parse(configText), Name: "<name>" },
    hostConfig: JSON.parse(normalise(readFileSync(join(containerDir, "hostconfig.json"), "utf8"))),
  };
}

function describe(path: string, root: string): string {
  const st = lstatSync(path);
  const target = st.isSymbolicLink() ? ` -> ${readlinkSync(path)}` : "";
  const size = st.isFile() ? ` ${st.size}` : "";
  return `${(st.mode & 0o177777).toString(8)} ${st.uid}:${st.gid}${size} ${relative(root, path)}${target}`;
}
