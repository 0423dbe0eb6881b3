import { isNotFound } from "@slipway/errors";
import type { CreatorLeases } from "./creator-leases.js";
import type { CreateRWLayerInput, MadeAlongside, RWLayerStore } from "./rw-layers.js";
import { checkStorageOpt } from "./storage-opt.js";
import type { CreateVolumeInput, Volume, VolumeStore } from "./volumes.js";

/** A volume a container mounts. */
export interface ContainerVolumeInput {
  /** The user's name, or the 64-hex name the caller chose for an anonymous volume. */
  readonly name: string;
  /** Absolute path inside the container. */
  readonly destination: string;
  /** Seed the volume with the image's content at `destination` while it is empty. */
  readonly copyData: boolean;
  /** "" or "local". */
  readonly driver: string;
  /** Mark a volume this call creates as kept; otherwise it is provisional, and removed again if the call fails. */
  readonly keep: boolean;
  /** For a volume this call creates: as CreateVolumeInput's. */
  readonly labels: Readonly<Record<string, string>>;
  readonly driverOpts: Readonly<Record<string, string>>;
}

export interface CreateContainerLayersInput extends CreateRWLayerInput {
  readonly volumes: readonly ContainerVolumeInput[];
  /** HostConfig.StorageOpt. */
  readonly storageOpt: Readonly<Record<string, string>>;
  /** The creating orchestrator's lease ("": none); see CreatorLeases. */
  readonly leaseId: string;
}

/** What a container's layers are made of and who made them. */
export interface ContainerLayerStores {
  readonly rwLayers: RWLayerStore;
  readonly volumes: VolumeStore;
  readonly leases: CreatorLeases;
}

/**
 * A container's RW layer and the volumes it mounts (each created, or found, as CreateVolume does), made
 * together so that their flushes share rounds, and answered (the volumes, in request order) once all of
 * it is durable. All or nothing: when any part fails, the RW layer is removed and so are the volumes this
 * call created without `keep` (anonymous ones); a volume that existed stays untouched, and a named one
 * this call created stays too, as dockerd's and the orchestrator's failed creates leave them. Storage
 * options are checked first, as dockerd's overlay2 driver checks them when it makes the RW layer.
 */
export async function createContainerLayers(stores: ContainerLayerStores, input: CreateContainerLayersInput): Promise<Volume[]> {
  checkStorageOpt(input.storageOpt, () => stores.rwLayers.hasProjectQuota());
  const volumes = new ContainerVolumes(stores.volumes, input);
  const made = await stores.rwLayers.createRWLayer(input, volumes);
  stores.leases.recordCreated(input.leaseId, input.containerId, volumes.provisionalNames);
  return made;
}

export interface ReleaseContainerLayersInput {
  readonly containerId: string;
  readonly removeVolumes: readonly string[];
  readonly keepVolumes: readonly string[];
}

export interface ReleasedContainerLayers {
  readonly rwLayerReleased: boolean;
  readonly deletedChainIds: string[];
  readonly volumesNotFound: string[];
}

/**
 * `docker rm`'s side of layer-store: the RW layer released, the volumes to go removed and those to stay marked
 * kept, all at once so that their flushes share rounds; answered once all of it is durable. What is already
 * gone is reported, not refused, so that a removal that failed half way can run again; any other failure is
 * thrown once every part has settled.
 */
export async function releaseContainerLayers(stores: ContainerLayerStores, input: ReleaseContainerLayersInput): Promise<ReleasedContainerLayers> {
  stores.leases.forget([input.containerId], [...input.removeVolumes, ...input.keepVolumes]);
  const [released, removed, notKept] = await Promise.allSettled([
    stores.rwLayers.releaseRWLayer(input.containerId).catch(ifNotFound(undefined)),
    Promise.all(input.removeVolumes.map((name) => stores.volumes.remove(name).then(() => undefined, ifNotFound(name)))),
    stores.volumes.keep(input.keepVolumes),
  ]);
  const failed = [released, removed, notKept].find((outcome): outcome is PromiseRejectedResult => outcome.status === "rejected");
  if (failed) throw failed.reason;
  const deleted = (released as PromiseFulfilledResult<string[] | undefined>).value;
  const missing = (removed as PromiseFulfilledResult<(string | undefined)[]>).value.filter((name): name is string => name !== undefined);
  return {
    rwLayerReleased: deleted !== undefined,
    deletedChainIds: deleted ?? [],
    volumesNotFound: [...missing, ...(notKept as PromiseFulfilledResult<string[]>).value],
  };
}

/** For `.catch`: NOT_FOUND answers `value` (already gone); anything else still fails. */
function ifNotFound<T>(value: T): (err: unknown) => T {
  return (err) => {
    if (isNotFound(err)) return value;
    throw err;
  };
}

/** The volumes of one create, and the provisional ones among them it created (what a failed create removes). */
class ContainerVolumes implements MadeAlongside<Volume[]> {
  private readonly provisional: string[] = [];

  constructor(
    private readonly volumes: VolumeStore,
    private readonly input: CreateContainerLayersInput,
  ) {}

  /** Every volume, in request order; a failure is thrown only once every volume's create has settled. */
  async make(): Promise<Volume[]> {
    const outcomes = await Promise.allSettled(this.input.volumes.map((volume) => this.makeOne(volume)));
    const failed = outcomes.find((outcome): outcome is PromiseRejectedResult => outcome.status === "rejected");
    if (failed) throw failed.reason;
    return outcomes.map((outcome) => (outcome as PromiseFulfilledResult<Volume>).value);
  }

  private async makeOne(volume: ContainerVolumeInput): Promise<Volume> {
    const { name, destination, copyData, driver, keep, labels, driverOpts } = volume;
    const parentChainId = copyData ? this.input.parentChainId : "";
    const request: CreateVolumeInput = { name, parentChainId, path: destination, driver, keep, labels, driverOpts, alwaysRecorded: false };
    const { volume: made, created } = await this.volumes.create(request);
    if (created && !keep) this.provisional.push(made.name);
    return made;
  }

  /** The volumes this call created without `keep`. */
  get provisionalNames(): readonly string[] {
    return this.provisional;
  }

  /** One that cannot be removed stays provisional: the reconciler removes it as a failed create's leftover. */
  async undo(): Promise<void> {
    await Promise.all(this.provisional.map((name) => this.volumes.remove(name).catch(() => undefined)));
  }
}
