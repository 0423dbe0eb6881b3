import { isNotFound, notFound } from "@slipway/errors";
import type { CallOpts, Logger } from "@slipway/grpc-kit";
import type { containerconfig } from "@slipway/proto";
import { inspectDocument, type GraphDriverData } from "./inspect-document.js";
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

/** The `docker inspect` document, from the record plus the RW layer's mounts and the volumes' paths. */
export async function inspectContainer(stores: Stores, logger: Logger, idOrName: string, opts: CallOpts): Promise<string> {
  const record = await findContainer(stores, idOrName, opts);
  const names = volumesOf(record.configV2Json);
  const [graphDriver, volumes] = await Promise.all([
    graphDriverOf(stores, record.id, opts),
    // Only this container's volumes: listing every volume costs a stat or two per volume in the store.
    names.length > 0 ? stores.layers.listVolumes({ names }, opts) : { volumes: [] },
  ]);
  if (!graphDriver) logger.warn({ containerId: record.id }, "container has no RW layer; inspect shows empty GraphDriver data");
  return inspectDocument({
    configV2Json: record.configV2Json.toString("utf8"),
    hostConfigJson: record.hostConfigJson.toString("utf8"),
    graphDriver,
    volumeMountpoints: new Map(volumes.volumes.map((v) => [v.name, v.mountpoint])),
    links: record.links,
  });
}

async function graphDriverOf(stores: Stores, containerId: string, opts: CallOpts): Promise<GraphDriverData | undefined> {
  try {
    const { rootFs } = await stores.layers.getMounts({ containerId }, opts);
    return { lowerDir: rootFs!.lowerDirs.join(":"), mergedDir: rootFs!.mergedDir, upperDir: rootFs!.upperDir, workDir: rootFs!.workDir };
  } catch (err) {
    if (isNotFound(err)) return undefined;
    throw err;
  }
}
