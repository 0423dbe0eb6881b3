import type { CallOpts, Logger } from "@slipway/grpc-kit";
import { lookupContainer } from "./inspect.js";
import type { Stores } from "./stores.js";
import type { VolumeService } from "./volumes.js";

export interface RemoveInput {
  readonly idOrName: string;
  /** Also remove the container's anonymous volumes (`docker rm -v`). */
  readonly removeVolumes: boolean;
}

/**
 * Removes a created container in two steps: layer-store releases the RW layer and, in the same call, removes
 * (with -v) the anonymous volumes that no other container (through VolumesFrom) or running create uses, or
 * marks them kept (without -v, as dockerd keeps them); then container-config deletes the record and its names.
 * In this order a failure half way leaves a container that `rm` removes again (what is already gone is
 * tolerated), and a kept volume is never mistaken for a failed create's.
 */
export async function removeContainer(
  stores: Stores,
  volumeService: VolumeService,
  logger: Logger,
  input: RemoveInput,
  opts: CallOpts,
): Promise<void> {
  const { container, volumesInUse } = await lookupContainer(stores, input.idOrName, opts);
  const { id, configV2Json } = container!;
  const volumes = anonymousVolumesOf(configV2Json);
  const release = async (removeVolumes: readonly string[]) => {
    const keepVolumes = input.removeVolumes ? [] : volumes;
    const released = await stores.layers.releaseContainerLayers({ containerId: id, removeVolumes: [...removeVolumes], keepVolumes }, opts);
    if (!released.rwLayerReleased) logger.warn({ containerId: id }, "container had no RW layer; removing its record anyway");
    await stores.containers.deleteContainer({ idOrName: id }, opts);
  };
  if (input.removeVolumes) await volumeService.removeWithContainer(volumes, volumesInUse, release);
  else await release([]);
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
