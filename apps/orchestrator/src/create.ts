import { requestedImage } from "@slipway/container-rules";
import { isNotFound, isOutcomeUnknown } from "@slipway/errors";
import type { CallOpts, Logger } from "@slipway/grpc-kit";
import { generateRandomId } from "@slipway/docker-spec";
import type { containerconfig, imagestore } from "@slipway/proto";
import type { ImageResolutions } from "./image-resolutions.js";
import type { InFlightCreates } from "./in-flight.js";
import { Rollback } from "./rollback.js";
import { RecordSession } from "./record-session.js";
import { STORE_DEADLINE_MS, type Stores } from "./stores.js";
import type { VolumeKeeper } from "./volume-keeper.js";
import { rfc3339NanoNow } from "./time.js";

export interface CreateInput {
  /** Requested name, or "" to generate one. */
  readonly name: string;
  /** The POST /containers/create body. */
  readonly createRequestJson: Buffer;
  /** The client's Engine API version. */
  readonly apiVersion: string;
  /** The platform the image must serve ("linux/arm64"); absent or "" for any. */
  readonly platform?: string | undefined;
}

export interface CreateResult {
  readonly id: string;
  readonly warnings: string[];
}

/**
 * The crash-safe create order across the stores (apps/orchestrator/README.md). Everything after the
 * container is prepared is undone in reverse when a later step fails; what a crash leaves is an orphan
 * the reconciler removes.
 */
export class ContainerCreator {
  constructor(
    private readonly stores: Stores,
    private readonly images: ImageResolutions,
    private readonly keeper: VolumeKeeper,
    private readonly inFlight: InFlightCreates,
    private readonly logger: Logger,
    /** This orchestrator's lease (OrchestratorLease), recorded with what each create makes. */
    private readonly leaseId = "",
  ) {}

  async create(input: CreateInput, opts: CallOpts): Promise<CreateResult> {
    const imageReference = requestedImage(input.createRequestJson);
    const image = imageReference === "" ? undefined : await this.images.resolve(imageReference, opts, input.platform);
    const id = generateRandomId();
    this.inFlight.begin(id);
    const record = new RecordSession(this.stores.containers, { ...opts, deadlineMs: STORE_DEADLINE_MS });
    try {
      const prepared = await record.prepare({
        createRequestJson: input.createRequestJson,
        imageConfigJson: image?.configJson ?? Buffer.alloc(0),
        containerId: id,
        apiVersion: input.apiVersion,
        name: input.name,
      });
      return await this.build(id, image, prepared, record, opts);
    } finally {
      this.inFlight.end(id);
    }
  }

  private async build(
    id: string,
    image: imagestore.ResolveImageResponse | undefined,
    prepared: containerconfig.PrepareContainerResponse,
    record: RecordSession,
    opts: CallOpts,
  ): Promise<CreateResult> {
    const rollback = new Rollback(id, this.logger);
    rollback.push(PREPARED, () => record.abandon());
    try {
      const created = rfc3339NanoNow();
      const { mountPoints, provisional } = await this.createLayers(id, image?.topChainId ?? "", prepared, rollback, opts);
      const commit = { containerId: id, created, imageId: image?.imageId ?? "", imagePlatform: image?.platform, mountPoints };
      await this.commit(record, commit, rollback);
      this.keeper.keep(provisional);
      return { id, warnings: [...prepared.warnings] };
    } catch (err) {
      await rollback.run(err);
      throw err;
    }
  }

  /**
   * The RW layer and the volumes (created, or found when named) in one layer-store call, as the mount
   * points to commit, and the names of the anonymous volumes made (provisional until kept). The undo step
   * is armed before the call, since a call that fails in transit may still have done its work; it releases
   * the RW layer and removes the anonymous volumes in one call too, whichever of them exist.
   */
  private async createLayers(
    id: string,
    parentChainId: string,
    prepared: containerconfig.PrepareContainerResponse,
    rollback: Rollback,
    opts: CallOpts,
  ): Promise<{ mountPoints: containerconfig.MountPoint[]; provisional: string[] }> {
    const { layers } = this.stores;
    const volumes = await Promise.all(prepared.volumes.map((volume) => this.claimVolume(id, volume)));
    const provisional = volumes.filter(({ volume }) => volume.name === "").map(({ name }) => name);
    rollback.push("RW layer and anonymous volumes", () =>
      layers.releaseContainerLayers({ containerId: id, removeVolumes: provisional, keepVolumes: [] }),
    );
    const made = await layers.createContainerLayers(
      {
        containerId: id,
        parentChainId,
        workingDir: prepared.workingDir,
        storageOpt: prepared.storageOpt,
        leaseId: this.leaseId,
        volumes: volumes.map(({ name, volume }) => ({
          name,
          destination: volume.destination,
          copyData: volume.copyData,
          driver: volume.driver,
          keep: volume.name !== "",
          labels: volume.labels,
          driverOpts: volume.driverOpts,
        })),
      },
      opts,
    );
    const mountPoints = made.volumes.map(({ name, mountpoint }, i) => ({
      destination: volumes[i]!.volume.destination,
      volumeName: name,
      driver: "local",
      type: "volume",
      rw: true,
      source: mountpoint,
    }));
    return { mountPoints, provisional };
  }

  /**
   * Counts the volume as in use by this create (a removal of it is waited for, or refused). An anonymous
   * volume gets a fresh name and is removed again if the create fails; a named volume is the user's: it
   * may hold data already and other containers may mount it, so it stays, as in dockerd.
   */
  private async claimVolume(id: string, volume: containerconfig.ContainerVolume) {
    if (volume.name !== "") {
      await this.inFlight.useVolume(id, volume.name);
      return { name: volume.name, volume };
    }
    const name = generateRandomId();
    this.inFlight.addVolume(id, name);
    return { name, volume };
  }

  /**
   * A commit that failed in transit (container-config died or timed out) may still have been written:
   * ask once. Written → the create succeeded. Unknown → keep the layers (the reconciler releases them
   * after its grace period if no record appears); the prepared container went with its stream.
   */
  private async commit(record: RecordSession, request: containerconfig.CommitContainerRequest, rollback: Rollback): Promise<void> {
    try {
      await record.commit(request);
    } catch (err) {
      if (!isOutcomeUnknown(err)) throw err;
      const outcome = await this.stores.containers.getContainer({ idOrName: request.containerId }).then(
        () => "committed" as const,
        (lookup: unknown) => (isNotFound(lookup) ? ("absent" as const) : ("unknown" as const)),
      );
      if (outcome === "committed") {
        this.logger.warn({ containerId: request.containerId }, "commit failed without an answer but the record exists; create succeeded");
        return;
      }
      if (outcome === "unknown") rollback.keepOnly(PREPARED, "the commit may have happened; the reconciler decides once container-config is back");
      throw err;
    }
  }
}

/** The rollback step that abandons the prepared container (its name and merged config). */
const PREPARED = "prepared container";
