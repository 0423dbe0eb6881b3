import { generateRandomId } from "@slipway/docker-spec";
import { KeyedLock, type BatchFlush } from "@slipway/durable-fs";
import { invalidArgument, notFound } from "@slipway/errors";
import type { Logger } from "@slipway/grpc-kit";
import type { StoreLayout } from "../storage/layout.js";
import { lstatIfExists } from "../storage/merged-view.js";
import {
  createVolumeDir,
  isEmptyVolume,
  listVolumeNames,
  markKept,
  removeVolumeDir,
  seedVolumeDir,
  volumeInfo,
  VolumeSources,
  type VolumeInfo,
  type VolumeSource,
} from "../storage/volumes.js";
import type { LayerStore } from "./layer-store.js";

/** The local volume driver's name rule. */
const VOLUME_NAME = /^[a-zA-Z0-9][a-zA-Z0-9_.-]+$/;

export interface CreateVolumeInput {
  /** "" for a new anonymous volume (a random 64-hex name). */
  readonly name: string;
  /** chainID of the image whose content at `path` seeds the volume; "" for none. */
  readonly parentChainId: string;
  readonly path: string;
  /** "" or "local". */
  readonly driver: string;
  /** Mark a volume this call creates as kept. */
  readonly keep: boolean;
}

/** The volume a create answers, and whether that create made it. */
export interface CreateVolumeResult {
  readonly volume: VolumeInfo;
  /** False when the volume existed (even if this call seeded it). */
  readonly created: boolean;
}

/** Local volumes, named or anonymous, seeded from an image's content at a path. */
export class VolumeStore {
  private readonly locks = new KeyedLock();
  private readonly sources = new VolumeSources();

  constructor(
    private readonly layout: StoreLayout,
    private readonly layers: LayerStore,
    private readonly logger: Logger,
    private readonly flush: BatchFlush,
  ) {}

  /**
   * The volume of that name, created when there is none, as dockerd's volume service does; its content
   * is copied in while it is empty. Errors are dockerd's, in its order: the driver, then the name.
   */
  async create(input: CreateVolumeInput): Promise<CreateVolumeResult> {
    const name = input.name === "" ? generateRandomId() : input.name;
    if (input.driver !== "" && input.driver !== "local") {
      throw notFound(`create ${name}: error looking up volume plugin ${input.driver}: plugin "${input.driver}" not found`);
    }
    const problem = volumeNameProblem(name);
    if (problem) throw invalidArgument(`create ${name}: ${problem}`);
    if (input.parentChainId !== "" && !input.path.startsWith("/")) {
      throw invalidArgument(`invalid mount path: '${input.path}' mount path must be absolute`);
    }
    return this.locks.run(name, async () => {
      const exists = lstatIfExists(this.layout.volumeDir(name)) !== undefined;
      if (exists && (input.parentChainId === "" || !isEmptyVolume(this.layout, name))) return existingVolume(this.layout, name);
      return this.withImageContent(input, async (source) => {
        const skipped = (path: string) =>
          this.logger.warn(
            { volume: name, path },
            "not copied into the volume: a socket or device node (dockerd's copy skips sockets; layers cannot hold devices)",
          );
        if (!exists) return { volume: await createVolumeDir(this.layout, this.flush, name, { source, keep: input.keep, skipped }), created: true };
        if (source) await seedVolumeDir(this.layout, this.flush, name, { source, skipped });
        return existingVolume(this.layout, name);
      });
    });
  }

  /** The image directory at `path` that seeds the volume (undefined when there is no image or no directory there), its layers pinned. */
  private async withImageContent<T>(input: CreateVolumeInput, use: (source: VolumeSource | undefined) => Promise<T>): Promise<T> {
    if (input.parentChainId === "") return use(undefined);
    return this.layers.withLayerStack(input.parentChainId, (stack) => use(this.sources.find(stack, input.path)));
  }

  async remove(name: string): Promise<void> {
    await this.locks.run(name, async () => {
      this.requireExisting(name);
      await removeVolumeDir(this.layout, this.flush, name);
    });
  }

  /**
   * The volumes are no failed creates' leftovers (their creates committed, or they outlive their containers
   * after `docker rm` without -v): the reconciler must never remove them. One flush for all of them; answers
   * the names of no volume, in the order given.
   */
  async keep(names: readonly string[]): Promise<string[]> {
    const unique = [...new Set(names)];
    return this.whileLocked([...unique].sort(), async () => {
      const missing = unique.filter((name) => !this.exists(name));
      const found = unique.filter((name) => !missing.includes(name));
      if (found.length > 0) await markKept(this.layout, this.flush, found);
      return missing;
    });
  }

  /** Runs `work` holding the lock of every name, taken in sorted order so that two such calls cannot wait for each other. */
  private whileLocked<T>(sortedNames: readonly string[], work: () => Promise<T>): Promise<T> {
    return sortedNames.reduceRight((inner: () => Promise<T>, name) => () => this.locks.run(name, inner), work)();
  }

  private requireExisting(name: string): void {
    if (!this.exists(name)) throw notFound(`no such volume: ${name}`);
  }

  private exists(name: string): boolean {
    return VOLUME_NAME.test(name) && lstatIfExists(this.layout.volumeDir(name)) !== undefined;
  }

  /** Every volume, or only those of `names` that exist. */
  async list(names: readonly string[] = []): Promise<VolumeInfo[]> {
    const listed = names.length > 0 ? names.filter((name) => this.exists(name)) : await listVolumeNames(this.layout);
    return listed.map((name) => volumeInfo(this.layout, name));
  }
}

/** A volume that was there before the create that answers it. */
function existingVolume(layout: StoreLayout, name: string): CreateVolumeResult {
  return { volume: volumeInfo(layout, name), created: false };
}

/** The local driver's validateName, in its words. */
function volumeNameProblem(name: string): string | undefined {
  if (name.length === 1) return "volume name is too short, names should be at least two alphanumeric characters";
  if (!VOLUME_NAME.test(name)) {
    return `"${name}" includes invalid characters for a local volume name, only "[a-zA-Z0-9][a-zA-Z0-9_.-]" are allowed. If you intended to pass a host directory, use absolute path`;
  }
  return undefined;
}
