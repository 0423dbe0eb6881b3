import type { CallOpts, Logger } from "@slipway/grpc-kit";
import { isNotFound } from "./errors.js";
import { findContainer } from "./inspect.js";
import type { Stores } from "./stores.js";
import type { VolumeService } from "./volumes.js";

export interface RemoveInput {
  readonly idOrName: string;
  /** Also remove the container's anonymous volumes (`docker rm -v`). */
  readonly removeVolumes: boolean;
}

/**
 * Removes a created container: without -v its anonymous volumes are marked kept first (dockerd keeps them),
 * then the RW layer, the record and its names, then (with -v) the volumes that no other container (through
 * VolumesFrom) or running create uses. In this order a failure half way
 * leaves a container that `rm` can remove again (a missing RW layer is tolerated), a kept volume is never
 * mistaken for a failed create's, and a volume left by a failed `rm -v` is an orphan the reconciler removes.
 */
export async function removeContainer(
  stores: Stores,
  volumeService: VolumeService,
  logger: Logger,
  input: RemoveInput,
  opts: CallOpts,
): Promise<void> {
  const record = await findContainer(stores, input.idOrName, opts);
  const volumes = anonymousVolumesOf(record.configV2Json);
  if (!input.removeVolumes && volumes.length > 0) await stores.layers.keepVolumes({ names: volumes }, opts);
  await stores.layers.releaseRwLayer({ containerId: record.id }, opts).catch((err: unknown) => {
    if (!isNotFound(err)) throw err;
    logger.warn({ containerId: record.id }, "container had no RW layer; removing its record anyway");
  });
  const deleteRecord = async () => (await stores.containers.deleteContainer({ idOrName: record.id }, opts)).volumesInUse;
  if (input.removeVolumes) await volumeService.removeWithContainer(volumes, deleteRecord, opts);
  else await deleteRecord();
}

/**
 * The anonymous volumes of config.v2.json's MountPoints: those whose Spec names no source (Config.Volumes
 * and anonymous Binds or Mounts). A named volume is never removed with its container, as in dockerd.
 */
export function anonymousVolumesOf(configV2Json: Buffer): string[] {
  return volumeMountPoints(configV2Json)
    .filter((m) => !m.Spec?.Source)
    .map((m) => m.Name!);
}

/** The names of the volumes config.v2.json's MountPoints mount. */
export function volumesOf(configV2Json: Buffer): string[] {
  return volumeMountPoints(configV2Json).map((m) => m.Name!);
}

function volumeMountPoints(configV2Json: Buffer) {
  const { MountPoints } = JSON.parse(configV2Json.toString("utf8")) as {
    MountPoints?: Record<string, { Type?: string; Name?: string; Spec?: { Source?: string } }> | null;
  };
  return Object.values(MountPoints ?? {}).filter((m) => m.Type === "volume" && (m.Name ?? "") !== "");
}
