import { generateRandomId } from "@slipway/docker-spec";
import { KeyedLock, type BatchFlush } from "@slipway/durable-fs";
import { CONSTRUCTOR_OF_KIND, invalidArgument, notFound, type SlipwayError } from "@slipway/errors";
import type { Logger } from "@slipway/grpc-kit";
import type { StoreLayout } from "../storage/layout.js";
import { lstatIfExists } from "../storage/merged-view.js";
import { hasProjectQuota } from "../storage/project-quota.js";
import { VolumeMetadataFile, type VolumeMetadata } from "../storage/volume-metadata.js";
import {
  createVolumeDir,
  isEmptyVolume,
  listVolumeNames,
  markKept,
  removeVolumeDir,
  seedVolumeDir,
  volumeContentSize,
  volumeInfo,
  VolumeSources,
  type VolumeInfo,
  type VolumeSource,
} from "../storage/volumes.js";
import type { VolumeEvents } from "./events.js";
import type { LayerStore } from "./layer-store.js";
import { localDriverOptsJson } from "./local-driver-options.js";

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
  readonly labels: Readonly<Record<string, string>>;
  /** The local driver's options (type, device, o, size). */
  readonly driverOpts: Readonly<Record<string, string>>;
  /**
   * Record the volume in volumes/metadata.db even without labels or options, as dockerd records every volume
   * it creates. Creates of containers leave that out (a stock dockerd reads a volume it has no entry for as
   * one with neither), which keeps the database's rewrite off their path.
   */
  readonly alwaysRecorded: boolean;
}

/** A volume as the store answers it: on disk, with its labels and options. */
export type Volume = VolumeInfo & VolumeMetadata;

/** The volume a create answers, and whether that create made it. */
export interface CreateVolumeResult {
  readonly volume: Volume;
  /** False when the volume existed (even if this call seeded it). */
  readonly created: boolean;
}

/** Local volumes, named or anonymous, seeded from an image's content at a path. */
export class VolumeStore {
  private readonly locks = new KeyedLock();
  private readonly sources = new VolumeSources();
  private readonly metadata: VolumeMetadataFile;
  private projectQuota: boolean | undefined;

  constructor(
    private readonly layout: StoreLayout,
    private readonly layers: LayerStore,
    private readonly logger: Logger,
    private readonly flush: BatchFlush,
    private readonly events: VolumeEvents,
  ) {
    this.metadata = VolumeMetadataFile.load(layout);
  }

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
    const result = await this.locks.run(name, async () => {
      const exists = lstatIfExists(this.layout.volumeDir(name)) !== undefined;
      if (exists && (input.parentChainId === "" || !isEmptyVolume(this.layout, name))) return this.existingVolume(name);
      const optsJson = exists ? undefined : this.optsJson(name, input.driverOpts);
      return this.withImageContent(input, async (source) => {
        const skipped = (path: string) =>
          this.logger.warn(
            { volume: name, path },
            "not copied into the volume: a socket or device node (dockerd's copy skips sockets; layers cannot hold devices)",
          );
        if (exists) {
          if (source) await seedVolumeDir(this.layout, this.flush, name, { source, skipped });
          return this.existingVolume(name);
        }
        const made = await createVolumeDir(this.layout, this.flush, name, { source, keep: input.keep, optsJson, skipped });
        const metadata = { labels: input.labels, options: input.driverOpts };
        if (input.alwaysRecorded || Object.keys(input.labels).length > 0 || optsJson !== undefined) await this.metadata.set(name, metadata);
        return { volume: { ...made, ...this.metadata.get(name) }, created: true };
      });
    });
    this.events.created(name);
    return result;
  }

  /** opts.json's text for the options, refused as dockerd's local driver refuses them. */
  private optsJson(name: string, options: Readonly<Record<string, string>>): string | undefined {
    try {
      return localDriverOptsJson(options, () => (this.projectQuota ??= hasProjectQuota(this.layout.volumes)));
    } catch (err) {
      const { kind, message } = err as SlipwayError;
      throw CONSTRUCTOR_OF_KIND[kind](`create ${name}: ${message}`);
    }
  }

  /** A volume that was there before the create that answers it. */
  private existingVolume(name: string): CreateVolumeResult {
    return { volume: this.describe(name), created: false };
  }

  private describe(name: string): Volume {
    return { ...volumeInfo(this.layout, name), ...this.metadata.get(name) };
  }

  /** The image directory at `path` that seeds the volume (undefined when there is no image or no directory there), its layers pinned. */
  private async withImageContent<T>(input: CreateVolumeInput, use: (source: VolumeSource | undefined) => Promise<T>): Promise<T> {
    if (input.parentChainId === "") return use(undefined);
    return this.layers.withLayerStack(input.parentChainId, (stack) => use(this.sources.find(stack, input.path)));
  }

  /** Removes the volume and its metadata entry; with `measureSize`, answers the bytes its files took (else 0). */
  async remove(name: string, measureSize = false): Promise<number> {
    return this.locks.run(name, async () => {
      this.requireExisting(name);
      const size = measureSize ? await volumeContentSize(this.layout, name) : 0;
      await removeVolumeDir(this.layout, name);
      await this.metadata.delete([name]);
      this.events.destroyed(name);
      return size;
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

  /** How many volumes there are (read from the volumes directory). */
  async count(): Promise<number> {
    return (await listVolumeNames(this.layout)).length;
  }

  /**
   * The bytes of each volume's files (as `remove` measures them), in the order given: -1 for a volume that is
   * missing or could not be read, which dockerd's `system df` reports too (and logs, as here).
   */
  async sizes(names: readonly string[]): Promise<{ name: string; size: number }[]> {
    const measure = async (name: string) => {
      if (!this.exists(name)) return -1;
      return volumeContentSize(this.layout, name).catch((err: unknown) => {
        this.logger.warn({ volume: name, err }, "failed to determine the size of the volume");
        return -1;
      });
    };
    return Promise.all(names.map(async (name) => ({ name, size: await measure(name) })));
  }

  /** Every volume, or only those of `names` that exist. */
  async list(names: readonly string[] = []): Promise<Volume[]> {
    const listed = names.length > 0 ? names.filter((name) => this.exists(name)) : await listVolumeNames(this.layout);
    return listed.map((name) => this.describe(name));
  }
}

/** The local driver's validateName, in its words. */
function volumeNameProblem(name: string): string | undefined {
  if (name.length === 1) return "volume name is too short, names should be at least two alphanumeric characters";
  if (!VOLUME_NAME.test(name)) {
    return `"${name}" includes invalid characters for a local volume name, only "[a-zA-Z0-9][a-zA-Z0-9_.-]" are allowed. If you intended to pass a host directory, use absolute path`;
  }
  return undefined;
}
