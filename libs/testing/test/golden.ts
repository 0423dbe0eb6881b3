import { execFile } from "node:child_process";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { promisify } from "node:util";
import { REPO_ROOT } from "../src/index.js";

const run = promisify(execFile);

/** Saves the golden test image (golden:1, built by the host engine when missing) as a docker-save archive. */
export async function saveGoldenImage(dir: string): Promise<string> {
  const archive = join(dir, "golden.tar");
  await run("bash", [join(REPO_ROOT, "tools/golden/build-golden-image.sh"), archive]);
  return archive;
}

/** golden:1 unpacked: its layer tars in order and their diffIDs. */
export interface GoldenLayers {
  readonly layerTars: string[];
  readonly diffIds: string[];
}

export async function unpackGoldenImage(archive: string, dir: string): Promise<GoldenLayers> {
  await run("tar", ["-xf", archive, "-C", dir]);
  const [manifest] = JSON.parse(readFileSync(join(dir, "manifest.json"), "utf8")) as { Config: string; Layers: string[] }[];
  const config = JSON.parse(readFileSync(join(dir, manifest!.Config), "utf8")) as { rootfs: { diff_ids: string[] } };
  return { layerTars: manifest!.Layers.map((layer) => join(dir, layer)), diffIds: config.rootfs.diff_ids };
}

/** An image whose VOLUME has content (built by the host engine when missing), saved as an archive. */
export async function saveVolumeImage(dir: string): Promise<string> {
  const tag = "slipway-e2e/volume:1";
  const archive = join(dir, "volume-image.tar");
  const built = await run("docker", ["image", "inspect", tag]).then(
    () => true,
    () => false,
  );
  if (!built) {
    const dockerfile =
      'FROM bb:latest\nRUN mkdir -p /data && echo "volume content" > /data/seed.txt\nVOLUME ["/data"]\nCMD ["cat", "/data/seed.txt"]\n';
    await run("bash", ["-c", `printf '%s' "$1" | DOCKER_BUILDKIT=0 docker build -q -t ${tag} -`, "build", dockerfile]);
  }
  await run("docker", ["save", tag, "-o", archive]);
  return archive;
}
