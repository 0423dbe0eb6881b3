import { execFileSync } from "node:child_process";
import { createHash } from "node:crypto";
import { existsSync, lstatSync, readdirSync, readlinkSync } from "node:fs";
import { join, resolve } from "node:path";
import { fileSyscalls } from "@slipway/durable-fs";

/** Fails loudly (not skip) when there is no Docker engine: these tests compare with a real dockerd. */
export function docker(...args: string[]): string {
  try {
    return execFileSync("docker", args, { encoding: "utf8", stdio: ["pipe", "pipe", "pipe"], maxBuffer: 64 << 20 }).trim();
  } catch (err) {
    const stderr = (err as { stderr?: string }).stderr ?? "";
    throw new Error(
      `docker ${args.join(" ")} failed: ${stderr || (err as Error).message}. These tests need a running Docker engine (dockerd 20.10 with overlay2).`,
      { cause: err },
    );
  }
}

export function dockerRoot(): string {
  return docker("info", "--format", "{{.DockerRootDir}}");
}

/**
 * A docker-save archive of golden:1 as the local dockerd has it: /tmp/golden.tar when the image is there,
 * else the image is built and saved into `workDir` with tools/golden/build-golden-image.sh.
 */
export function goldenArchive(workDir: string): string {
  docker("version", "--format", "{{.Server.Version}}");
  const shared = process.env.SLIPWAY_GOLDEN_TAR ?? "/tmp/golden.tar";
  const imageExists = docker("image", "ls", "-q", "golden:1") !== "";
  if (imageExists && existsSync(shared)) return shared;
  const out = join(workDir, "golden.tar");
  execFileSync("bash", [resolve(import.meta.dirname, "../../../tools/golden/build-golden-image.sh"), out], { stdio: "inherit" });
  return out;
}

export function sha256(data: Buffer): string {
  return `sha256:${createHash("sha256").update(data).digest("hex")}`;
}

export async function collect(stream: AsyncIterable<Buffer>): Promise<Buffer> {
  const parts: Buffer[] = [];
  for await (const chunk of stream) parts.push(chunk);
  return Buffer.concat(parts);
}

/** A description of every entry under dir (type, mode, owner, size, link target, rdev, mtime, xattrs), sorted; names as raw bytes. */
export function describeTree(dir: string, xattrNames: string[] = ["trusted.overlay.opaque", "user.note", "security.capability"]): string[] {
  const lines: string[] = [];
  const walk = (relative: string): void => {
    const names = readdirSync(Buffer.from(join(dir, relative), "latin1"), { encoding: "buffer" }).map((name) => name.toString("latin1"));
    for (const name of names.sort()) {
      const path = Buffer.from(join(dir, relative, name), "latin1");
      const stats = lstatSync(path, { bigint: true });
      const link = stats.isSymbolicLink() ? ` -> ${readlinkSync(path, { encoding: "buffer" }).toString("latin1")}` : "";
      const mtime = stats.isSymbolicLink() || stats.isDirectory() || stats.isFile() ? ` mtime=${stats.mtimeNs}` : "";
      const xattrs = xattrNames.map((x) => [x, fileSyscalls.lgetxattr(path, x)] as const).filter(([, v]) => v !== null);
      const xattrText = xattrs.map(([x, v]) => ` ${x}=${v!.toString("hex")}`).join("");
      lines.push(
        `${join(relative, name)} mode=${stats.mode.toString(8)} ${stats.uid}:${stats.gid} size=${stats.isDirectory() ? "-" : stats.size} rdev=${stats.rdev} nlink=${stats.nlink}${mtime}${link}${xattrText}`,
      );
      if (stats.isDirectory()) walk(join(relative, name));
    }
  };
  walk("");
  return lines;
}
