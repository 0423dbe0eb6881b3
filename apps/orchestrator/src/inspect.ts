import { isNotFound, notFound } from "@slipway/errors";
import type { CallOpts, Logger } from "@slipway/grpc-kit";
import type { containerconfig } from "@slipway/proto";
import { containerSizes } from "./container-sizes.js";
import { inspectDocument, type GraphDriverData } from "./inspect-document.js";
import type { ContainerSizes } from "./list-sizes.js";
import { volumesOf } from "./remove.js";
import type { Stores } from "./stores.js";

/** A container record by ID, unique ID prefix or name; unknown → NOT_FOUND "No such container: <x>". */
export async function findContainer(stores: Stores, idOrName: string, opts: CallOpts): Promise<containerconfig.ContainerRecord> {
  return (await lookupContainer(stores, idOrName, opts)).container!;
}

/** The record, and which of its volumes other containers' records mount; dockerd's NOT_FOUND text. */
export async function lookupContainer(stores: Stores, idOrName: string, opts: CallOpts): Promise<containerconfig.GetContainerResponse> {
  try {
    return await stores.containers.getContainer({ idOrName }, opts);
  } catch (err) {
    throw isNotFound(err) ? notFound(`No such container: ${idOrName}`) : err;
  }
}

/**
 * The `docker inspect` document, from the record plus the RW layer's mounts and the volumes' paths; with
 * `size`, the layers' sizes too (zero for a container without an RW layer, as dockerd shows them).
 */
export async function inspectContainer(
  stores: Stores,
  logger: Logger,
  request: { idOrName: string; size: boolean },
  opts: CallOpts,
): Promise<string> {
  const record = await findContainer(stores, request.idOrName, opts);
  const names = volumesOf(record.configV2Json);
  const [graphDriver, volumes, sizes] = await Promise.all([
    graphDriverOf(stores, record.id, opts),
    // Only this container's volumes: listing every volume costs a stat or two per volume in the store.
    names.length > 0 ? stores.layers.listVolumes({ names }, opts) : { volumes: [] },
    request.size ? sizesOf(stores, record.id, opts) : undefined,
  ]);
  if (!graphDriver) logger.warn({ containerId: record.id }, "container has no RW layer; inspect shows empty GraphDriver data");
  return inspectDocument({
    configV2Json: record.configV2Json.toString("utf8"),
    hostConfigJson: record.hostConfigJson.toString("utf8"),
    graphDriver,
    volumeMountpoints: new Map(volumes.volumes.map((v) => [v.name, v.mountpoint])),
    links: record.links,
    sizes,
  });
}

async function sizesOf(stores: Stores, containerId: string, opts: CallOpts): Promise<ContainerSizes> {
  return (await containerSizes(stores, [containerId], opts)).get(containerId) ?? { sizeRw: 0, sizeRootFs: 0 };
}

async function graphDriverOf(stores: Stores, containerId: string, opts: CallOpts): Promise<GraphDriverData | undefined> {
  try {
    const { rootFs, lowerDiffDirs } = await stores.layers.getMounts({ containerId }, opts);
    return { lowerDir: lowerDiffDirs.join(":"), mergedDir: rootFs!.mergedDir, upperDir: rootFs!.upperDir, workDir: rootFs!.workDir };
  } catch (err) {
    if (isNotFound(err)) return undefined;
    throw err;
  }
}
