import { isNotFound } from "@slipway/errors";
import type { VolumeInfo } from "../storage/volumes.js";
import type { CreateRWLayerInput, MadeAlongside, RWLayerStore } from "./rw-layers.js";
import type { CreateVolumeInput, VolumeStore } from "./volumes.js";

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
}

export interface CreateContainerLayersInput extends CreateRWLayerInput {
  readonly volumes: readonly ContainerVolumeInput[];
}

/**
 * A container's RW layer and the volumes it mounts (each created, or found, as CreateVolume does), made
 * together so that their flushes share rounds, and answered (the volumes, in request order) once all of
 * it is durable. All or nothing: when any part fails, the RW layer is removed and so are the volumes this
 * call created without `keep` (anonymous ones); a volume that existed stays untouched, and a named one
 * this call created stays too, as dockerd's and the orchestrator's failed creates leave them.
 */
export function createContainerLayers(
  stores: { readonly rwLayers: RWLayerStore; readonly volumes: VolumeStore },
  input: CreateContainerLayersInput,
): Promise<VolumeInfo[]> {
  return stores.rwLayers.createRWLayer(input, new ContainerVolumes(stores.volumes, input));
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
export async function releaseContainerLayers(
  stores: { readonly rwLayers: RWLayerStore; readonly volumes: VolumeStore },
  input: ReleaseContainerLayersInput,
): Promise<ReleasedContainerLayers> {
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
class ContainerVolumes implements MadeAlongside<VolumeInfo[]> {
  private readonly provisional: string[] = [];

  constructor(
    private readonly volumes: VolumeStore,
    private readonly input: CreateContainerLayersInput,
  ) {}

  /** Every volume, in request order; a failure is thrown only once every volume's create has settled. */
  async make(): Promise<VolumeInfo[]> {
    const outcomes = await Promise.allSettled(this.input.volumes.map((volume) => this.makeOne(volume)));
    const failed = outcomes.find((outcome): outcome is PromiseRejectedResult => outcome.status === "rejected");
    if (failed) throw failed.reason;
    return outcomes.map((outcome) => (outcome as PromiseFulfilledResult<VolumeInfo>).value);
  }

  private async makeOne(volume: ContainerVolumeInput): Promise<VolumeInfo> {
    const { name, destination, copyData, driver, keep } = volume;
    const request: CreateVolumeInput = { name, parentChainId: copyData ? this.input.parentChainId : "", path: destination, driver, keep };
    const { volume: made, created } = await this.volumes.create(request);
    if (created && !keep) this.provisional.push(made.name);
    return made;
  }

  /** One that cannot be removed stays provisional: the reconciler removes it as a failed create's leftover. */
  async undo(): Promise<void> {
    await Promise.all(this.provisional.map((name) => this.volumes.remove(name).catch(() => undefined)));
  }
}
