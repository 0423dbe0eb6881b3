import { lstatSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { coveringMount, pathInMount } from "@slipway/docker-spec";
import { followSymlinksInScope, listMerged, lookupMerged, lstatIfExists, type FoundEntry, type MergedEntry } from "./merged-view.js";

/** A volume's _data or a bind's source, mounted at a destination of the container. */
export interface HostMount {
  /** Absolute, clean path inside the container. */
  readonly destination: string;
  /** The directory on this host that shows there. */
  readonly hostPath: string;
  readonly readOnly: boolean;
}

/** What a container's root filesystem is made of, as dockerd mounts it for `docker cp`. */
export interface ContainerFsSpec {
  /** The mount layer's diff/. */
  readonly upper: string;
  /** The init layer's and image layers' diff/, uppermost first. */
  readonly lowers: readonly string[];
  readonly mounts: readonly HostMount[];
}

/** Where a container path lives: in a mount (at a host path) or in the overlay root (relative to it). */
export type Location = { readonly mount: HostMount; readonly hostPath: string } | { readonly mount: undefined; readonly relativePath: string };

/**
 * A created container's filesystem as its processes would see it, read without mounting anything: the
 * overlay view of its layers, with its volumes and binds at their destinations (dockerd's mountVolumes).
 * Paths are absolute and clean container paths.
 */
export class ContainerFs {
  private readonly stack: readonly string[];

  constructor(readonly spec: ContainerFsSpec) {
    this.stack = [spec.upper, ...spec.lowers];
  }

  locate(path: string): Location {
    const mount = coveringMount(this.spec.mounts, path);
    if (mount) return { mount, hostPath: join(mount.hostPath, pathInMount(mount, path)) };
    return { mount: undefined, relativePath: path.slice(1) };
  }

  /** The entry at a path whose parents hold no symlinks (as followInScope answers them); undefined when missing. */
  lookup(path: string): FoundEntry | undefined {
    const location = this.locate(path);
    if (location.mount) {
      const stats = lstatIfExists(location.hostPath);
      return stats && { path: location.hostPath, stats };
    }
    return this.merged(location.relativePath);
  }

  /** lookupMerged, and the root: the mount layer's directory, through which every layer's root shows (as overlayfs's root). */
  private merged(relativePath: string): MergedEntry | undefined {
    if (relativePath !== "") return lookupMerged(this.stack, relativePath);
    return { path: this.spec.upper, stats: lstatSync(this.spec.upper), layers: this.stack };
  }

  /**
   * For a path that lookup does not find: the first path below a non-directory on its way, which lstat
   * fails on with ENOTDIR rather than ENOENT (undefined when every parent that exists is a directory).
   */
  underNonDirectory(path: string): string | undefined {
    const parts = path.split("/").filter(Boolean);
    for (let depth = 1; depth < parts.length; depth++) {
      const found = this.lookup(`/${parts.slice(0, depth).join("/")}`);
      if (!found) return undefined;
      if (!found.stats.isDirectory()) return `/${parts.slice(0, depth + 1).join("/")}`;
    }
    return undefined;
  }

  /** moby's FollowSymlinkInScope over the mounted view: every symlink resolved without leaving the root. */
  followInScope(path: string): string {
    return `/${followSymlinksInScope(path, (relativePath) => this.lookup(`/${relativePath}`))}`;
  }

  /** The names in a directory, sorted as Go's Walk reads them. */
  childNames(path: string): string[] {
    const location = this.locate(path);
    if (location.mount) return readdirSync(location.hostPath).sort();
    const merged = this.merged(location.relativePath);
    return merged ? [...listMerged(merged, location.relativePath).keys()] : [];
  }
}

/** Joins a clean absolute container path and a relative name. */
export function containerJoin(directory: string, name: string): string {
  return directory === "/" ? `/${name}` : `${directory}/${name}`;
}
