import { join } from "node:path";
import { generateRandomId } from "@slipway/docker-spec";
import { alreadyExists, invalidArgument, notFound, type Logger } from "@slipway/grpc-kit";
import type { FilesystemFlush } from "../storage/filesystem-flush.js";
import type { StoreLayout } from "../storage/layout.js";
import { lookupMerged, lstatIfExists } from "../storage/merged-view.js";
import { createVolumeDir, listVolumeNames, markKept, removeVolumeDir, volumeInfo, type VolumeInfo } from "../storage/volumes.js";
import { KeyedLock } from "./keyed-lock.js";
import type { LayerStore } from "./layer-store.js";

/** The local volume driver's name rule. */
const VOLUME_NAME = /^[a-zA-Z0-9][a-zA-Z0-9_.-]+$/;

/** Anonymous (and named) local volumes, seeded from an image's content at a path. */
export class VolumeStore {
  private readonly locks = new KeyedLock();

  constructor(
    private readonly layout: StoreLayout,
    private readonly layers: LayerStore,
    private readonly logger: Logger,
    private readonly flush: FilesystemFlush,
  ) {}

  async create(input: { name: string; parentChainId: string; path: string }): Promise<VolumeInfo> {
    const name = input.name === "" ? generateRandomId() : input.name;
    if (!VOLUME_NAME.test(name)) throw invalidArgument(`volume name "${name}" includes invalid characters; only [a-zA-Z0-9][a-zA-Z0-9_.-] are allowed`);
    if (input.parentChainId !== "" && !input.path.startsWith("/")) {
      throw invalidArgument(`invalid mount path: '${input.path}' mount path must be absolute`);
    }
    return this.locks.run(name, async () => {
      if (lstatIfExists(this.layout.volumeDir(name))) throw alreadyExists(`volume ${name} already exists`);
      const skipped = (path: string) => this.logger.warn({ volume: name, path }, "not copied into the volume: device, fifo or socket");
      if (input.parentChainId === "") return createVolumeDir(this.layout, this.flush, name, undefined, skipped);
      return this.layers.withLayerStack(input.parentChainId, async (stack) => {
        const source = lookupMerged(stack, input.path);
        const content = source?.stats.isDirectory() ? { ...source, layers: source.layers.map((root) => join(root, input.path)) } : undefined;
        return createVolumeDir(this.layout, this.flush, name, content, skipped);
      });
    });
  }

  async remove(name: string): Promise<void> {
    await this.locks.run(name, async () => {
      this.requireExisting(name);
      await removeVolumeDir(this.layout, name);
    });
  }

  /** The volume outlives its container (`docker rm` without -v): the reconciler must never take it for a failed create's. */
  async keep(name: string): Promise<void> {
    await this.locks.run(name, async () => {
      this.requireExisting(name);
      await markKept(this.layout, name);
    });
  }

  private requireExisting(name: string): void {
    if (!VOLUME_NAME.test(name) || !lstatIfExists(this.layout.volumeDir(name))) throw notFound(`no such volume: ${name}`);
  }

  /** Every volume, or only those of `names` that exist. */
  async list(names: readonly string[] = []): Promise<VolumeInfo[]> {
    const listed = names.length > 0 ? names.filter((name) => VOLUME_NAME.test(name) && lstatIfExists(this.layout.volumeDir(name))) : await listVolumeNames(this.layout);
    return Promise.all(listed.map((name) => volumeInfo(this.layout, name)));
  }
}
