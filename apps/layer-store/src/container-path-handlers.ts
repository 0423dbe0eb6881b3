import { invalidArgument } from "@slipway/errors";
import type { layerStoreDefinition, ServiceHandlers } from "@slipway/grpc-kit";
import type { layerstore } from "@slipway/proto";
import type { ContainerFilesystem, ContainerPaths } from "./domain/container-paths.js";

type Handlers = ServiceHandlers<typeof layerStoreDefinition>;

/** The `docker cp` calls (StatContainerPath, ReadContainerPath, WriteContainerPath) over the domain's ContainerPaths. */
export function containerPathHandlers(paths: ContainerPaths): Pick<Handlers, "statContainerPath" | "readContainerPath" | "writeContainerPath"> {
  return {
    async statContainerPath({ filesystem, path }) {
      return { stat: paths.stat(filesystemOf(filesystem), path) };
    },
    async *readContainerPath({ filesystem, path }) {
      const { stat, tar } = paths.read(filesystemOf(filesystem), path);
      yield { stat };
      for await (const chunk of tar) yield { chunk };
    },
    async writeContainerPath(requests, ctx) {
      const iterator = requests[Symbol.asyncIterator]();
      const first = await iterator.next();
      const header = first.done ? undefined : first.value.header;
      if (!header) throw invalidArgument("WriteContainerPath: the first message must carry the header (filesystem, path)");
      const options = { noOverwriteDirNonDir: header.noOverwriteDirNonDir, ownerUser: header.ownerUser, signal: ctx.signal };
      await paths.write(filesystemOf(header.filesystem), header.path, chunksAfterHeader(iterator), options);
      return {};
    },
  };
}

function filesystemOf(filesystem: layerstore.ContainerFilesystem | undefined): ContainerFilesystem {
  if (!filesystem) throw invalidArgument("the container's filesystem (container ID and mounts) is missing");
  return filesystem;
}

async function* chunksAfterHeader(iterator: AsyncIterator<layerstore.WriteContainerPathRequest>): AsyncIterable<Uint8Array> {
  for (let next = await iterator.next(); !next.done; next = await iterator.next()) {
    if (next.value.header) throw invalidArgument("WriteContainerPath: the header may only be sent once, first");
    if (next.value.chunk && next.value.chunk.length > 0) yield next.value.chunk;
  }
}
