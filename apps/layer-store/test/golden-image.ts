import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { chainIds } from "@slipway/docker-spec";
import { tempDir } from "./helpers.js";

const REPO = new URL("../../../", import.meta.url).pathname;
const DOCKER_ROOT = "/var/lib/docker";

/** golden:1 as `docker save` writes it, unpacked: its layer tars in order and what dockerd recorded for them. */
export interface GoldenImage {
  readonly layerTars: string[];
  readonly diffIds: string[];
  readonly chainIds: string[];
  /** The layerdb size file dockerd wrote for each layer. */
  readonly sizes: number[];
  readonly workingDir: string;
}

/** Needs the local dockerd: fails loudly (no skip) when it is missing. */
export function loadGoldenImage(): GoldenImage {
  try {
    execFileSync("docker", ["image", "inspect", "golden:1"], { stdio: "ignore" });
  } catch {
    execFileSync("bash", [join(REPO, "tools/golden/build-golden-image.sh")], { stdio: "inherit" });
  }
  const dir = tempDir("golden-save-");
  execFileSync("docker", ["save", "golden:1", "-o", join(dir, "golden.tar")]);
  execFileSync("tar", ["-xf", join(dir, "golden.tar"), "-C", dir]);
  const [manifest] = JSON.parse(readFileSync(join(dir, "manifest.json"), "utf8")) as { Config: string; Layers: string[] }[];
  const config = JSON.parse(readFileSync(join(dir, manifest!.Config), "utf8")) as {
    rootfs: { diff_ids: string[] };
    config: { WorkingDir: string };
  };
  const diffIds = config.rootfs.diff_ids;
  const chains = chainIds(diffIds);
  const sizes = chains.map((c) => Number(readFileSync(join(DOCKER_ROOT, "image/overlay2/layerdb", c.replace(":", "/"), "size"), "utf8")));
  return { layerTars: manifest!.Layers.map((l) => join(dir, l)), diffIds, chainIds: chains, sizes, workingDir: config.config.WorkingDir };
}

export function dockerLayerdbFile(chainId: string, file: string): Buffer {
  return readFileSync(join(DOCKER_ROOT, "image/overlay2/layerdb", chainId.replace(":", "/"), file));
}

export const GOLDEN_REFERENCE = join(REPO, "tools/golden/dockerd-20.10");

/** The `find -printf '%M %u:%g %s %p -> %l'` lines of one overlay2/<id> section of demo/overlay2_dirs.txt. */
export function goldenOverlayListing(suffix: "" | "-init"): string[] {
  const text = readFileSync(join(GOLDEN_REFERENCE, "demo/overlay2_dirs.txt"), "utf8");
  const sections = text.split(/^================ overlay2\//m).slice(1);
  const section = sections.find((s) => /^[a-f0-9]{64}(-init)?\n/.exec(s)?.[1] === (suffix || undefined));
  if (!section) throw new Error(`overlay2_dirs.txt has no overlay2/<id>${suffix} section`);
  const find = section.split("--- find -printf\n")[1]!.split("\n---")[0]!;
  return find
    .split("\n")
    .filter(Boolean)
    .map((l) => l.trimEnd());
}
