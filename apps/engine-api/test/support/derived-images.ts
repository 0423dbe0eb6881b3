import { execFileSync } from "node:child_process";
import { createHash } from "node:crypto";
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";

export interface DerivedImage {
  readonly archive: string;
  /** "sha256:<hex>". */
  readonly id: string;
}

/**
 * A `docker save` archive of an image built on golden:1's layers: one more layer holding `file` (with
 * `content`), one more history entry, `labels` added, a fixed creation time, `tags` as its RepoTags (none:
 * it loads dangling). No Parent in the manifest, so dockerd and Slipway both load it without one.
 */
export function derivedImageArchive(
  goldenArchive: string,
  dir: string,
  options: { tags: readonly string[]; labels: Readonly<Record<string, string>>; content: string; created?: string },
): DerivedImage {
  const root = mkdtempSync(join(dir, "derived-"));
  execFileSync("tar", ["-xf", goldenArchive, "-C", root]);
  const [golden] = JSON.parse(readFileSync(join(root, "manifest.json"), "utf8")) as { Config: string; Layers: string[] }[];
  const config = JSON.parse(readFileSync(join(root, golden!.Config), "utf8")) as GoldenConfig;
  const created = options.created ?? "2026-01-02T03:04:05.123456789Z";
  const layer = layerTar(root, options.content);
  config.created = created;
  config.config.Labels = { ...config.config.Labels, ...options.labels };
  config.rootfs.diff_ids.push(sha256(readFileSync(join(root, layer))));
  config.history.push({ created, created_by: `/bin/sh -c echo ${options.content} > /derived.txt`, comment: "derived for a test" });
  const configText = JSON.stringify(config);
  const id = sha256(Buffer.from(configText));
  writeFileSync(join(root, "derived.json"), configText);
  const layers = [...golden!.Layers, layer];
  writeFileSync(join(root, "manifest.json"), JSON.stringify([{ Config: "derived.json", RepoTags: options.tags, Layers: layers }]));
  const archive = join(root, "derived.tar");
  execFileSync("tar", ["-cf", archive, "-C", root, "manifest.json", "derived.json", ...layers]);
  return { archive, id };
}

interface GoldenConfig {
  created: string;
  config: { Labels?: Record<string, string> };
  rootfs: { diff_ids: string[] };
  history: Record<string, unknown>[];
}

function layerTar(root: string, content: string): string {
  const files = join(root, "derived-layer");
  mkdirSync(files);
  writeFileSync(join(files, "derived.txt"), `${content}\n`);
  execFileSync("tar", ["--numeric-owner", "-cf", join(root, "derived-layer.tar"), "-C", files, "derived.txt"]);
  return "derived-layer.tar";
}

function sha256(data: Buffer): string {
  return `sha256:${createHash("sha256").update(data).digest("hex")}`;
}
