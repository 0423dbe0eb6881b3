import { parsePruneFilters, PruneFilterError } from "@slipway/docker-spec";
import { internal, invalidArgument } from "@slipway/errors";
import type { CallOpts, Logger } from "@slipway/grpc-kit";
import { containerSizes } from "./container-sizes.js";
import { PruneGuard } from "./prune-guard.js";
import { removeContainer } from "./remove.js";
import type { Stores } from "./stores.js";
import type { VolumeService } from "./volumes.js";

type Filters = Record<string, { values: string[] }>;

export interface PruneReport {
  readonly containersDeleted: string[];
  readonly spaceReclaimed: number;
}

/**
 * docker container prune: container-config picks the containers (and refuses bad filters), and each goes
 * as `docker rm` without -v removes it, one at a time, so its anonymous volumes are kept. One that fails
 * to go is logged and skipped, as dockerd's prune skips it. The space reclaimed is what the removed
 * containers' RW layers held (dockerd's SizeRw), measured before they go. One prune runs at a time; the
 * guard is taken before the filters are checked, as dockerd takes its flag. The network prune shares it.
 */
export class ContainerPruner {
  private readonly guard = new PruneGuard();

  constructor(
    private readonly stores: Stores,
    private readonly volumes: VolumeService,
    private readonly logger: Logger,
  ) {}

  prune(filters: Filters, opts: CallOpts): Promise<PruneReport> {
    return this.guard.run(() => this.pruneSelected(filters, opts));
  }

  /**
   * docker network prune: Slipway makes no networks, so it removes none; dockerd's network prune holds the
   * container prune's flag, so one while a container prune runs is refused, and its filters are checked then.
   */
  pruneNetworks(filters: Record<string, readonly string[]>): Promise<void> {
    return this.guard.run(async () => checkNetworkFilters(filters));
  }

  private async pruneSelected(filters: Filters, opts: CallOpts): Promise<PruneReport> {
    const { ids } = await this.stores.containers.listContainersToPrune({ filters }, opts);
    const sizes = await containerSizes(this.stores, ids, opts);
    const containersDeleted: string[] = [];
    let spaceReclaimed = 0;
    for (const id of ids) {
      try {
        await removeContainer(this.stores, this.volumes, this.logger, { idOrName: id, removeVolumes: false }, opts);
        containersDeleted.push(id);
        spaceReclaimed += sizes.get(id)?.sizeRw ?? 0;
      } catch (err) {
        this.logger.warn({ containerId: id, err: (err as Error).message }, "failed to prune container");
      }
    }
    return { containersDeleted, spaceReclaimed };
  }
}

/** dockerd's answers to network prune filters it refuses: 400 for an unknown key, 500 for an until it cannot use. */
function checkNetworkFilters(filters: Record<string, readonly string[]>): void {
  try {
    parsePruneFilters(filters, new Date());
  } catch (err) {
    if (!(err instanceof PruneFilterError)) throw err;
    throw err.invalidParameter ? invalidArgument(err.message) : internal(err.message);
  }
}
