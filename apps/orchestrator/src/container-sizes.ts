import type { CallOpts } from "@slipway/grpc-kit";
import type { containerconfig } from "@slipway/proto";
import { listedIds, withSizes, type ContainerSizes } from "./list-sizes.js";
import type { Stores } from "./stores.js";

/** The sizes of these containers' layers, by container ID; containers without an RW layer are missing. */
export async function containerSizes(stores: Stores, containerIds: string[], opts: CallOpts): Promise<Map<string, ContainerSizes>> {
  if (containerIds.length === 0) return new Map();
  const { sizes } = await stores.layers.getRwLayerSizes({ containerIds }, opts);
  return new Map(sizes.map(({ containerId, sizeRw, sizeRootFs }) => [containerId, { sizeRw, sizeRootFs }]));
}

/** Chunks of a sized list body: well under gRPC's 4 MiB message limit. */
const LIST_CHUNK = 1 << 20;

/**
 * `docker ps -s`: container-config's list body with each row's sizes added, in chunks. The whole body is
 * gathered first, since the sizes of all its rows are asked for in one call; the list without sizes stays a stream.
 */
export async function* sizedListJson(stores: Stores, query: containerconfig.ListContainersRequest, opts: CallOpts): AsyncIterable<Buffer> {
  const body = await sizedListBody(stores, query, opts);
  for (let offset = 0; offset < body.length; offset += LIST_CHUNK) yield body.subarray(offset, offset + LIST_CHUNK);
}

/** The whole body of `docker ps -s` (GET /containers/json with size=1). */
export async function sizedListBody(stores: Stores, query: containerconfig.ListContainersRequest, opts: CallOpts): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const { chunk } of stores.containers.listContainersJson({ query }, opts)) chunks.push(chunk);
  const listJson = Buffer.concat(chunks).toString("utf8");
  return Buffer.from(withSizes(listJson, await containerSizes(stores, listedIds(listJson), opts)));
}
