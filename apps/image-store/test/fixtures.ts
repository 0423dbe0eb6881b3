import { execFileSync } from "node:child_process";
import { createHash } from "node:crypto";
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { buffer } from "node:stream/consumers";
import { gzipSync } from "node:zlib";
import { pack } from "tar-stream";
import { chainIds } from "@slipway/docker-spec";
import { encodeTarHeader, tarPadding, tarTrailer } from "@slipway/layer-tar";

export const REPO_ROOT = join(import.meta.dirname, "..", "..", "..");

/** `docker save golden:1` into dir (building golden:1 first if the engine lacks it). Needs Docker: fails loudly without it. */
export function savedGolden(dir: string): { archive: string; imageId: string } {
  const archive = join(dir, "golden.tar");
  execFileSync("bash", [join(REPO_ROOT, "tools", "golden", "build-golden-image.sh"), archive], { stdio: "inherit" });
  if (!existsSync(archive)) throw new Error("docker save golden:1 produced no archive; is dockerd running?");
  return { archive, imageId: docker("image", "inspect", "golden:1", "--format", "{{.Id}}") };
}

export function docker(...args: string[]): string {
  return execFileSync("docker", args, { encoding: "utf8" }).trim();
}

export interface TarMember {
  readonly name: string;
  readonly data?: Buffer | string;
  readonly type?: "file" | "directory" | "symlink";
  readonly linkname?: string;
}

/** A tar built in memory (fixtures are small). */
export async function tarOf(members: readonly TarMember[]): Promise<Buffer> {
  const p = pack();
  const tar = buffer(p);
  for (const m of members) {
    const header = { name: m.name, type: m.type ?? "file", mode: m.type === "directory" ? 0o755 : 0o644, linkname: m.linkname, mtime: new Date(0) };
    if (m.data === undefined) p.entry(header);
    else p.entry(header, m.data);
  }
  p.finalize();
  return tar;
}

export const sha256 = (data: Buffer | string) => `sha256:${createHash("sha256").update(data).digest("hex")}`;

export interface OciOptions {
  readonly name?: string;
  /** Wrap the manifest in a nested platform index. */
  readonly nested?: boolean;
  readonly layerMediaType?: string;
  /** Corrupt this blob after computing descriptors ("layer" | "config"). */
  readonly corrupt?: "layer" | "config";
  /** Leave the layer blob out of the archive. */
  readonly dropLayer?: boolean;
  readonly content?: string;
}

/** An OCI image layout archive with one gzip layer; returns the archive and the expected image ID. */
export async function ociArchive(options: OciOptions = {}): Promise<{ archive: Buffer; imageId: string; diffId: string }> {
  const layer = await tarOf([{ name: "hello.txt", data: options.content ?? "hello from an OCI layout\n" }]);
  const diffId = sha256(layer);
  const gz = gzipSync(layer);
  const config = Buffer.from(
    JSON.stringify({
      architecture: "amd64",
      os: "linux",
      created: "2026-01-02T03:04:05.123456789Z",
      config: { Cmd: ["/bin/sh"], Labels: { "org.example.kind": "oci" } },
      rootfs: { type: "layers", diff_ids: [diffId] },
      history: [{ created: "2026-01-02T03:04:05.123456789Z", created_by: "test" }],
    }),
  );
  const manifest = Buffer.from(
    JSON.stringify({
      schemaVersion: 2,
      mediaType: "application/vnd.oci.image.manifest.v1+json",
      config: { mediaType: "application/vnd.oci.image.config.v1+json", digest: sha256(config), size: config.length },
      layers: [{ mediaType: options.layerMediaType ?? "application/vnd.oci.image.layer.v1.tar+gzip", digest: sha256(gz), size: gz.length }],
    }),
  );
  const manifestDescriptor = {
    mediaType: "application/vnd.oci.image.manifest.v1+json",
    digest: sha256(manifest),
    size: manifest.length,
    platform: { os: "linux", architecture: "amd64" },
  };
  const blobs: [Buffer, Buffer][] = [
    [manifest, manifest],
    [config, options.corrupt === "config" ? Buffer.from("{}") : config],
  ];
  if (!options.dropLayer) blobs.push([gz, options.corrupt === "layer" ? gzipSync(Buffer.from("tampered")) : gz]);
  let top: Record<string, unknown> = manifestDescriptor;
  if (options.nested) {
    const other = { ...manifestDescriptor, digest: sha256("nothing"), platform: { os: "linux", architecture: "s390x" } };
    const index = Buffer.from(
      JSON.stringify({ schemaVersion: 2, mediaType: "application/vnd.oci.image.index.v1+json", manifests: [other, manifestDescriptor] }),
    );
    blobs.push([index, index]);
    top = { mediaType: "application/vnd.oci.image.index.v1+json", digest: sha256(index), size: index.length };
  }
  const annotations = options.name
    ? { "io.containerd.image.name": options.name, "org.opencontainers.image.ref.name": options.name.split(":").at(-1) }
    : undefined;
  const index = {
    schemaVersion: 2,
    mediaType: "application/vnd.oci.image.index.v1+json",
    manifests: [{ ...top, ...(annotations ? { annotations } : {}) }],
  };
  const members: TarMember[] = [
    { name: "blobs", type: "directory" },
    { name: "blobs/sha256", type: "directory" },
    ...blobs.map(([named, data]) => ({ name: `blobs/sha256/${sha256(named).slice(7)}`, data })),
    { name: "index.json", data: JSON.stringify(index) },
    { name: "oci-layout", data: '{"imageLayoutVersion":"1.0.0"}' },
  ];
  return { archive: await tarOf(members), imageId: sha256(config), diffId };
}

/** A regular file's tar header as `docker save` writes it, with mtime 0. */
export function fileHeader(name: string, size: number): Buffer {
  return encodeTarHeader({ name, typeflag: "0", mode: 0o100644, size, mtime: 0 });
}

/** One tar member as raw bytes (header, data, padding), no end-of-archive marker. */
export function tarMember(name: string, data: Buffer): Buffer {
  return Buffer.concat([fileHeader(name, data.length), data, tarPadding(data.length)]);
}

/**
 * golden:1 re-packed with manifest.json and the config first and the layers after them in chain
 * order (the order that lets layers be registered as they arrive), split after each layer.
 */
export async function manifestFirstGolden(
  archive: string,
  dir: string,
): Promise<{ head: Buffer; layers: Buffer[]; trailer: Buffer; chainIds: string[]; layerPaths: string[]; layerData: Buffer[] }> {
  const out = join(dir, `unpacked-${Date.now()}`);
  execFileSync("mkdir", ["-p", out]);
  execFileSync("tar", ["-xf", archive, "-C", out]);
  const manifest = JSON.parse(readFileSync(join(out, "manifest.json"), "utf8")) as { Config: string; Layers: string[] }[];
  const config = readFileSync(join(out, manifest[0]!.Config));
  const diffIds = (JSON.parse(config.toString()) as { rootfs: { diff_ids: string[] } }).rootfs.diff_ids;
  return {
    head: Buffer.concat([tarMember("manifest.json", readFileSync(join(out, "manifest.json"))), tarMember(manifest[0]!.Config, config)]),
    layers: manifest[0]!.Layers.map((path) => tarMember(path, readFileSync(join(out, path)))),
    trailer: tarTrailer(),
    chainIds: chainIds(diffIds),
    layerPaths: manifest[0]!.Layers,
    layerData: manifest[0]!.Layers.map((path) => readFileSync(join(out, path))),
  };
}
