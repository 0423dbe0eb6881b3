import { invalidArgument, isNotFound, notFound } from "@slipway/errors";
import type { CallOpts } from "@slipway/grpc-kit";
import type { layerstore, orchestrator } from "@slipway/proto";
import { findContainer } from "./inspect.js";
import type { Stores } from "./stores.js";

/*
 * `docker cp` on a created container: the container's record says what its filesystem is made of (its RW
 * layer, its volumes and binds), layer-store does the file work. Messages are dockerd 20.10's.
 */

/** HEAD /containers/{id}/archive. */
export async function statContainerPath(stores: Stores, { idOrName, path }: orchestrator.StatContainerPathRequest, opts: CallOpts) {
  const { filesystem } = await filesystemOf(stores, idOrName, opts);
  try {
    return await stores.layers.statContainerPath({ filesystem, path }, opts);
  } catch (err) {
    throw fileNotFound(err, idOrName, path);
  }
}

/** GET /containers/{id}/archive: the stat, then the tar's chunks. */
export async function* readContainerPath(
  stores: Stores,
  { idOrName, path }: orchestrator.ReadContainerPathRequest,
  opts: CallOpts,
): AsyncIterable<orchestrator.ReadContainerPathResponse> {
  const { filesystem } = await filesystemOf(stores, idOrName, opts);
  let started = false;
  try {
    for await (const message of stores.layers.readContainerPath({ filesystem, path }, opts)) {
      started = true;
      yield message;
    }
  } catch (err) {
    throw started ? err : fileNotFound(err, idOrName, path);
  }
}

/** PUT /containers/{id}/archive: the header first, then the tar's chunks, passed through to layer-store. */
export async function writeContainerPath(
  stores: Stores,
  requests: AsyncIterable<orchestrator.WriteContainerPathRequest>,
  opts: CallOpts,
): Promise<void> {
  const iterator = requests[Symbol.asyncIterator]();
  const first = await iterator.next();
  const header = first.done ? undefined : first.value.header;
  if (!header) throw invalidArgument("WriteContainerPath: the first message must carry the header (container, path)");
  const { idOrName, path, noOverwriteDirNonDir, copyUidGid } = header;
  const { filesystem, user } = await filesystemOf(stores, idOrName, opts);
  async function* forwarded(): AsyncIterable<layerstore.WriteContainerPathRequest> {
    // Without a user, dockerd's copyUIDGID keeps the tar's owners; with one, layer-store looks it up as dockerd does.
    yield { header: { filesystem, path, noOverwriteDirNonDir, ownerUser: copyUidGid ? user : "" } };
    for (let next = await iterator.next(); !next.done; next = await iterator.next()) {
      if (next.value.header) throw invalidArgument("WriteContainerPath: the header may only be sent once, first");
      if (next.value.chunk) yield { chunk: next.value.chunk };
    }
  }
  try {
    await stores.layers.writeContainerPath(forwarded(), opts);
  } catch (err) {
    throw fileNotFound(err, idOrName, path);
  }
}

/** dockerd's containerFileNotFound for a path layer-store did not find. */
function fileNotFound(err: unknown, idOrName: string, path: string): unknown {
  return isNotFound(err) ? notFound(`Could not find the file ${path} in container ${idOrName}`, err) : err;
}

interface MountPoint {
  Type?: string;
  Name?: string;
  Source?: string;
  Destination?: string;
  RW?: boolean;
}

/** The container's RW layer and the mounts dockerd's mountVolumes would mount (config.v2.json's MountPoints). */
async function filesystemOf(stores: Stores, idOrName: string, opts: CallOpts): Promise<{ filesystem: layerstore.ContainerFilesystem; user: string }> {
  const record = await findContainer(stores, idOrName, opts);
  const { MountPoints, Config } = JSON.parse(record.configV2Json.toString("utf8")) as {
    MountPoints?: Record<string, MountPoint> | null;
    Config?: { User?: string };
  };
  const { ReadonlyRootfs } = JSON.parse(record.hostConfigJson.toString("utf8")) as { ReadonlyRootfs?: boolean };
  const mounts = Object.values(MountPoints ?? {}).flatMap((m): layerstore.ContainerMount[] => {
    const readOnly = m.RW !== true;
    if (m.Type === "volume" && m.Name) return [{ destination: m.Destination ?? "", volumeName: m.Name, hostPath: "", readOnly }];
    if (m.Type === "bind" && m.Source) return [{ destination: m.Destination ?? "", volumeName: "", hostPath: m.Source, readOnly }];
    return [];
  });
  return { filesystem: { containerId: record.id, mounts, readOnlyRootfs: ReadonlyRootfs === true }, user: Config?.User ?? "" };
}
