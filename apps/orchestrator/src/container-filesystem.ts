import type { CallOpts } from "@slipway/grpc-kit";
import type { layerstore } from "@slipway/proto";
import { findContainer } from "./inspect.js";
import type { Stores } from "./stores.js";

/** `docker export`: the container's root filesystem as layer-store streams it. Unknown: "No such container". */
export async function* exportContainer(stores: Stores, idOrName: string, opts: CallOpts): AsyncIterable<Buffer> {
  const { id } = await findContainer(stores, idOrName, opts);
  for await (const { chunk } of stores.layers.exportContainerLayer({ containerId: id }, opts)) yield chunk;
}

/** `docker diff`: the changes in the container's mount layer. Unknown: "No such container". */
export async function containerChanges(stores: Stores, idOrName: string, opts: CallOpts): Promise<layerstore.FilesystemChange[]> {
  const { id } = await findContainer(stores, idOrName, opts);
  return (await stores.layers.getContainerChanges({ containerId: id }, opts)).changes;
}
