import { lstatSync } from "node:fs";
import { mkdtemp } from "node:fs/promises";
import { join } from "node:path";
import { absoluteContainerPath, baseName, cleanPath, coveringMount, splitContainerPath, type ContainerPathStat } from "@slipway/docker-spec";
import { KeyedLock, removeTree, syncFilesystem, type BatchFlush } from "@slipway/durable-fs";
import { internal, invalidArgument, notFound } from "@slipway/errors";
import { applyLayerTar, InvalidLayerError } from "@slipway/layer-tar";
import { archiveContainerPath } from "../storage/container-archive.js";
import { mergeStagedTree, refuseOverlayMetadata, tarProcessingError } from "../storage/container-extract.js";
import { ContainerFs, containerJoin, type HostMount } from "../storage/container-fs.js";
import { lookupHostUser, type Owner } from "../storage/host-users.js";
import type { StoreLayout } from "../storage/layout.js";
import type { LayerStore } from "./layer-store.js";
import type { RWLayerStore } from "./rw-layers.js";

/** A container's filesystem as the caller (who knows its record) describes it. */
export interface ContainerFilesystem {
  readonly containerId: string;
  readonly mounts: readonly { destination: string; volumeName: string; hostPath: string; readOnly: boolean }[];
  readonly readOnlyRootfs: boolean;
}

export interface WriteOptions {
  readonly noOverwriteDirNonDir: boolean;
  /** The user (of the host, as dockerd looks it up) whose uid and primary gid every entry gets; "" for the tar's owners. */
  readonly ownerUser: string;
  readonly signal?: AbortSignal;
}

/**
 * `docker cp` on a created container, without mounting it (dockerd mounts its root filesystem and volumes
 * for each call): stat, archive and extract over the container's layers and mounts.
 */
export class ContainerPaths {
  /** Extractions into one container run one at a time, as dockerd's container lock has them. */
  private readonly writes = new KeyedLock();

  constructor(
    private readonly layout: StoreLayout,
    private readonly layers: LayerStore,
    private readonly rwLayers: RWLayerStore,
    private readonly flush: BatchFlush,
  ) {}

  /** dockerd's ResolvePath and StatPath: the directory part resolved in scope, the last element not followed. */
  stat(filesystem: ContainerFilesystem, path: string): ContainerPathStat {
    return this.resolve(this.open(filesystem).fs, path).stat;
  }

  /** The stat, and the tar ContainerArchivePath streams. */
  read(filesystem: ContainerFilesystem, path: string): { stat: ContainerPathStat; tar: AsyncIterable<Buffer> } {
    const { fs, parentChainId } = this.open(filesystem);
    const { stat, resolved } = this.resolve(fs, path);
    return { stat, tar: this.pinned(parentChainId, () => archiveContainerPath(fs, resolved, stat.name)) };
  }

  /** The image's layers stay while the tar is read, even if the container is removed meanwhile. */
  private async *pinned(parentChainId: string, tar: () => AsyncIterable<Buffer>): AsyncIterable<Buffer> {
    const parent = this.layers.acquire(parentChainId);
    try {
      yield* tar();
    } finally {
      this.layers.unpend(parent);
    }
  }

  /** ContainerExtractToDir: the tar extracted into a directory of the container, durable when this returns. */
  async write(filesystem: ContainerFilesystem, path: string, tar: AsyncIterable<Uint8Array>, options: WriteOptions): Promise<void> {
    const { fs } = this.open(filesystem);
    const directory = fs.followInScope(absoluteContainerPath(path));
    const found = fs.lookup(directory) ?? missing(fs, directory);
    if (!found.stats.isDirectory()) throw internal("extraction point is not a directory");
    const mount = coveringMount(fs.spec.mounts, directory);
    if (mount?.readOnly) throw invalidArgument("mounted volume is marked read-only");
    if (!mount && filesystem.readOnlyRootfs) throw internal("container rootfs is marked read-only");
    const owner = options.ownerUser === "" ? undefined : await lookupHostUser(options.ownerUser);
    await this.writes.run(filesystem.containerId, async () => {
      const staged = await mkdtemp(join(this.layout.layerdbTmp, "copy-"));
      try {
        const directories = await stage(tar, staged, owner, options.signal);
        const touched = new Set<HostMount>();
        try {
          mergeStagedTree(fs, staged, directory, { directories, noOverwriteDirNonDir: options.noOverwriteDirNonDir, touched });
        } finally {
          // What a failed merge did is kept, as dockerd keeps what its untar wrote before an error: durable too.
          await this.flush.flush();
          for (const bind of [...touched].filter((m) => !m.hostPath.startsWith(`${this.layout.dataRoot}/`))) await syncFilesystem(bind.hostPath);
        }
      } finally {
        await removeTree(staged);
      }
    });
  }

  private open(filesystem: ContainerFilesystem): { fs: ContainerFs; parentChainId: string } {
    const rw = this.rwLayers.getRWLayer(filesystem.containerId);
    const parent = rw.parentChainId === "" ? undefined : this.layers.getLayer(rw.parentChainId);
    const fs = new ContainerFs({
      upper: this.layout.diffDir(rw.mountId),
      lowers: [this.layout.diffDir(rw.initId), ...this.layers.diffStack(parent)],
      mounts: filesystem.mounts.map((m) => this.hostMount(m)),
    });
    return { fs, parentChainId: rw.parentChainId };
  }

  private hostMount(mount: ContainerFilesystem["mounts"][number]): HostMount {
    const hostPath = mount.volumeName !== "" ? join(this.layout.volumeDir(mount.volumeName), "_data") : mount.hostPath;
    if (!hostPath.startsWith("/")) throw invalidArgument(`mount at ${mount.destination}: neither a volume nor an absolute host path`);
    return { destination: cleanPath(mount.destination), hostPath, readOnly: mount.readOnly };
  }

  private resolve(fs: ContainerFs, path: string): { stat: ContainerPathStat; resolved: string } {
    const absolute = absoluteContainerPath(path);
    const { directory, base } = splitContainerPath(absolute);
    const resolvedDirectory = fs.followInScope(directory);
    const resolved = base === "" || base === "." ? resolvedDirectory : containerJoin(resolvedDirectory, base);
    const found = fs.lookup(resolved) ?? missing(fs, resolved);
    const { size, mode, mtimeNs } = lstatSync(found.path, { bigint: true });
    const stat: ContainerPathStat = {
      name: baseName(absolute),
      size: Number(size),
      mode: Number(mode),
      mtimeSeconds: Number(mtimeNs / 1_000_000_000n),
      mtimeNanos: Number(mtimeNs % 1_000_000_000n),
      linkTarget: found.stats.isSymbolicLink() ? fs.followInScope(absolute) : "",
    };
    return { stat, resolved };
  }
}

/**
 * The error for a path that is not there: NOT_FOUND, or, below a non-directory, dockerd's lstat error (a 500,
 * which names the path in its mounted root filesystem; this one names it in the container).
 */
function missing(fs: ContainerFs, path: string): never {
  const below = fs.underNonDirectory(path);
  if (below !== undefined) throw internal(`lstat ${below}: not a directory`);
  throw notFound(`no such file or directory: ${path}`);
}

/**
 * The tar extracted into the staging directory, with layer extraction's refusals of hostile entries; answers
 * the directories the tar has entries for (clean relative paths), as opposed to parents made for their content.
 */
async function stage(
  tar: AsyncIterable<Uint8Array>,
  staged: string,
  owner: Owner | undefined,
  signal: AbortSignal | undefined,
): Promise<Set<string>> {
  const directories = new Set<string>();
  const onEntry = ({ name, typeflag }: { name: string; typeflag: string }) => typeflag === "5" && directories.add(cleanPath(name));
  try {
    await applyLayerTar(tar, staged, { signal, onEntry, owner });
  } catch (err) {
    if (err instanceof InvalidLayerError) throw tarProcessingError(err.message, err);
    throw err;
  }
  refuseOverlayMetadata(staged);
  return directories;
}
