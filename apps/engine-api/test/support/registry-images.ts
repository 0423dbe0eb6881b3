import { execFileSync } from "node:child_process";
import { createHash, randomBytes } from "node:crypto";
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";

/**
 * A `docker save` archive of an image with two layers of random bytes (the second large enough to be
 * downloaded in pieces), built with tar; `Cmd` is set so that a container can be created from it.
 */
export function randomImageArchive(dir: string): { archive: string; id: string } {
  const root = join(dir, "image");
  mkdirSync(root, { recursive: true });
  const layers = [300_000, 3_000_000].map((size, i) => {
    const content = join(dir, `layer-${i}`);
    mkdirSync(content);
    writeFileSync(join(content, `file-${i}`), randomBytes(size));
    execFileSync("tar", ["-cf", join(root, `layer-${i}.tar`), "-C", content, `file-${i}`]);
    return `layer-${i}.tar`;
  });
  const config = JSON.stringify({
    architecture: process.arch === "x64" ? "amd64" : process.arch,
    os: "linux",
    config: { Cmd: ["/file-0"] },
    rootfs: { type: "layers", diff_ids: layers.map((layer) => sha256(readFileSync(join(root, layer)))) },
  });
  const id = sha256(Buffer.from(config));
  writeFileSync(join(root, "config.json"), config);
  writeFileSync(join(root, "manifest.json"), JSON.stringify([{ Config: "config.json", RepoTags: ["x:1"], Layers: layers }]));
  const archive = join(dir, "image.tar");
  execFileSync("tar", ["-cf", archive, "-C", root, "manifest.json", "config.json", ...layers]);
  return { archive, id };
}

function sha256(data: Buffer): string {
  return `sha256:${createHash("sha256").update(data).digest("hex")}`;
}

/** Puts the archive into a registry with skopeo ("user:password" for one that asks), its certificate unchecked. */
export function copyToRegistry(archive: string, destination: string, credentials?: string): void {
  const creds = credentials === undefined ? [] : [`--dest-creds=${credentials}`];
  execFileSync("skopeo", [
    "--insecure-policy",
    "copy",
    "--quiet",
    "--dest-tls-verify=false",
    ...creds,
    `docker-archive:${archive}`,
    `docker://${destination}`,
  ]);
}
