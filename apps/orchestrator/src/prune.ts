import type { CallOpts, Logger } from "@slipway/grpc-kit";
import { containerSizes } from "./container-sizes.js";
import { removeContainer } from "./remove.js";
import type { Stores } from "./stores.js";
import type { VolumeService } from "./volumes.js";

export interface PruneReport {
  readonly containersDeleted: string[];
  readonly spaceReclaimed: number;
}

/**
 * docker container prune: container-config picks the containers (and refuses bad filters), and each goes
 * as `docker rm` without -v removes it, one at a time, so its anonymous volumes are kept. One that fails
 * to go is logged and skipped, as dockerd's prune skips it. The space reclaimed is what the removed
 * containers' RW layers held (dockerd's SizeRw), measured before they go.
 */
export async function pruneContainers(
  stores: Stores,
  volumes: VolumeService,
  logger: Logger,
  filters: Record<string, { values: string[] }>,
  opts: CallOpts,
): Promise<PruneReport> {
  const { ids } = await stores.containers.listContainersToPrune({ filters }, opts);
  const sizes = await containerSizes(stores, ids, opts);
  const containersDeleted: string[] = [];
  let spaceReclaimed = 0;
  for (const id of ids) {
    try {
      await removeContainer(stores, volumes, logger, { idOrName: id, removeVolumes: false }, opts);
      containersDeleted.push(id);
      spaceReclaimed += sizes.get(id)?.sizeRw ?? 0;
    } catch (err) {
      logger.warn({ containerId: id, err: (err as Error).message }, "failed to prune container");
    }
  }
  return { containersDeleted, spaceReclaimed };
}
