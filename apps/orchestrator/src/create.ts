import { invalidArgument, isOutcomeUnknown } from "@slipway/errors";
import type { CallOpts, Logger } from "@slipway/grpc-kit";
import { generateRandomId } from "@slipway/docker-spec";
import type { containerconfig, imagestore } from "@slipway/proto";
import { isNotFound } from "./errors.js";
import type { InFlightCreates } from "./in-flight.js";
import { Rollback } from "./rollback.js";
import type { Stores } from "./stores.js";
import { rfc3339NanoNow } from "./time.js";

export interface CreateInput {
  /** Requested name, or "" to generate one. */
  readonly name: string;
  /** The POST /containers/create body. */
  readonly createRequestJson: Buffer;
  /** The client's Engine API version. */
  readonly apiVersion: string;
}

export interface CreateResult {
  readonly id: string;
  readonly warnings: string[];
}

/**
 * The crash-safe create order across the stores (apps/orchestrator/README.md). Everything after the name reservation is
 * undone in reverse when a later step fails; what a crash leaves is an orphan the reconciler removes.
 */
export class ContainerCreator {
  constructor(
    private readonly stores: Stores,
    private readonly inFlight: InFlightCreates,
    private readonly logger: Logger,
  ) {}

  async create(input: CreateInput, opts: CallOpts): Promise<CreateResult> {
    const imageReference = imageOf(input.createRequestJson);
    const image = imageReference === "" ? undefined : await this.stores.images.resolveImage({ reference: imageReference }, opts);
    const id = generateRandomId();
    this.inFlight.begin(id);
    try {
      const { merged, name } = await this.mergeAndReserveName(id, input, image, opts);
      return await this.build(id, name, image, merged, opts);
    } finally {
      this.inFlight.end(id);
    }
  }

  /**
   * Merging the config and reserving the name do not depend on each other: one round trip's wait, not
   * two. A config error wins over a name conflict, as in dockerd (which verifies the config first), and
   * a name reserved for a config that failed is released again before the error is answered.
   */
  private async mergeAndReserveName(
    id: string,
    input: CreateInput,
    image: imagestore.ResolveImageResponse | undefined,
    opts: CallOpts,
  ): Promise<{ merged: containerconfig.MergeAndVerifyResponse; name: string }> {
    const { containers } = this.stores;
    const [merged, reserved] = await Promise.allSettled([
      containers.mergeAndVerify(
        {
          createRequestJson: input.createRequestJson,
          imageConfigJson: image?.configJson ?? Buffer.alloc(0),
          containerId: id,
          apiVersion: input.apiVersion,
        },
        opts,
      ),
      containers.reserveName({ name: input.name, containerId: id }, opts),
    ]);
    if (merged.status === "rejected") {
      if (reserved.status === "fulfilled") await this.releaseName(reserved.value.name, id);
      throw merged.reason;
    }
    if (reserved.status === "rejected") throw reserved.reason;
    return { merged: merged.value, name: reserved.value.name };
  }

  private async releaseName(name: string, containerId: string): Promise<void> {
    await this.stores.containers.releaseName({ name, containerId }).catch((err: unknown) => {
      this.logger.warn(
        { containerId, name, err: (err as Error).message },
        "could not release the name of a create that failed; it stays reserved until restart",
      );
    });
  }

  private async build(
    id: string,
    name: string,
    image: imagestore.ResolveImageResponse | undefined,
    merged: containerconfig.MergeAndVerifyResponse,
    opts: CallOpts,
  ): Promise<CreateResult> {
    const { containers } = this.stores;
    const rollback = new Rollback(id, this.logger);
    rollback.push("name", () => containers.releaseName({ name, containerId: id }));
    try {
      const created = rfc3339NanoNow();
      const parentChainId = image?.topChainId ?? "";
      const { mountPoints, provisional } = await this.createLayerAndVolumes(id, parentChainId, merged, rollback, opts);
      const commit = { containerId: id, name, created, imageId: image?.imageId ?? "", imagePlatform: image?.platform, merged, mountPoints };
      await this.commit(commit, rollback, opts);
      this.keepCommittedVolumes(provisional);
      return { id, warnings: [...merged.warnings] };
    } catch (err) {
      await rollback.run(err);
      throw err;
    }
  }

  /**
   * The RW layer and the volumes (created, or found when named), as the mount points to commit, and the
   * names of the anonymous volumes made (provisional until kept). They depend only on the image, not on
   * each other: one round trip's wait, not several. Each undo step is armed before its call: a call that
   * fails in transit may still have done its work.
   */
  private async createLayerAndVolumes(
    id: string,
    parentChainId: string,
    merged: containerconfig.MergeAndVerifyResponse,
    rollback: Rollback,
    opts: CallOpts,
  ): Promise<{ mountPoints: containerconfig.MountPoint[]; provisional: string[] }> {
    const { layers } = this.stores;
    rollback.push("RW layer", () => layers.releaseRwLayer({ containerId: id }), isNotFound);
    const volumes = await Promise.all(merged.volumes.map((volume) => this.claimVolume(id, volume, rollback)));
    const volumeCalls = volumes.map(({ name, volume }) =>
      layers.createVolume(
        { parentChainId: volume.copyData ? parentChainId : "", path: volume.destination, name, driver: volume.driver, keep: volume.name !== "" },
        opts,
      ),
    );
    await allSettledOrThrow([layers.createRwLayer({ containerId: id, parentChainId, workingDir: workingDirOf(merged) }, opts), ...volumeCalls]);
    const mountPoints = await Promise.all(
      volumeCalls.map(async (call, i) => {
        const { name, mountpoint } = (await call).volume!;
        return { destination: volumes[i]!.volume.destination, volumeName: name, driver: "local", type: "volume", rw: true, source: mountpoint };
      }),
    );
    return { mountPoints, provisional: volumes.filter(({ volume }) => volume.name === "").map(({ name }) => name) };
  }

  /**
   * The create committed: its anonymous volumes are no failed create's leftovers any more. Not awaited (the
   * client need not wait for it); one that is missed is kept by the reconciler's next pass, which finds
   * it mounted.
   */
  private keepCommittedVolumes(names: readonly string[]): void {
    for (const name of names) {
      this.stores.layers.keepVolume({ name }).catch((err: unknown) => {
        if (isNotFound(err)) return; // removed meanwhile (rm -v)
        this.logger.warn(
          { volume: name, err: (err as Error).message },
          "could not mark a committed container's volume kept; the reconciler's next pass will",
        );
      });
    }
  }

  /**
   * Counts the volume as in use by this create (a removal of it is waited for, or refused). An anonymous
   * volume gets a fresh name and is removed again if the create fails; a named volume is the user's: it
   * may hold data already and other containers may mount it, so it stays, as in dockerd.
   */
  private async claimVolume(id: string, volume: containerconfig.ContainerVolume, rollback: Rollback) {
    if (volume.name !== "") {
      await this.inFlight.useVolume(id, volume.name);
      return { name: volume.name, volume };
    }
    const name = generateRandomId();
    this.inFlight.addVolume(id, name);
    rollback.push(`volume ${name}`, () => this.stores.layers.removeVolume({ name }), isNotFound);
    return { name, volume };
  }

  /**
   * A commit that failed in transit (container-config died or timed out) may still have been written:
   * ask once. Written → the create succeeded. Unknown → keep the layers (the reconciler releases them
   * after its grace period if no record appears) and release only the name.
   */
  private async commit(request: containerconfig.CommitContainerRequest, rollback: Rollback, opts: CallOpts): Promise<void> {
    try {
      await this.stores.containers.commitContainer(request, opts);
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
      if (outcome === "unknown") rollback.keepOnly("name", "the commit may have happened; the reconciler decides once container-config is back");
      throw err;
    }
  }
}

/** Config.Image of a create body; validates that the body is a JSON object (the rest is container-config's job). */
function imageOf(createRequestJson: Buffer): string {
  let body: unknown;
  try {
    body = JSON.parse(createRequestJson.toString("utf8"));
  } catch (err) {
    throw invalidArgument(`invalid JSON: ${(err as Error).message}`);
  }
  if (typeof body !== "object" || body === null || Array.isArray(body)) {
    throw invalidArgument("config cannot be empty in order to create a container");
  }
  const image = (body as { Image?: unknown }).Image ?? "";
  if (typeof image !== "string") throw invalidArgument("invalid JSON: Image must be a string");
  return image;
}

/** Waits for every call to settle (so that a rollback never races a call still running), then throws the first failure. */
async function allSettledOrThrow(calls: readonly Promise<unknown>[]): Promise<void> {
  const failed = (await Promise.allSettled(calls)).find((r): r is PromiseRejectedResult => r.status === "rejected");
  if (failed) throw failed.reason;
}

function workingDirOf(merged: containerconfig.MergeAndVerifyResponse): string {
  const config = JSON.parse(merged.configJson.toString("utf8")) as { WorkingDir?: string };
  return config.WorkingDir ?? "";
}
