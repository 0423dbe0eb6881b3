import type { IncomingMessage, ServerResponse } from "node:http";
import { Readable } from "node:stream";
import { pipeline } from "node:stream/promises";
import { pathStatHeader } from "@slipway/docker-spec";
import { internal, invalidArgument } from "@slipway/errors";
import type { layerstore, orchestrator } from "@slipway/proto";
import type { Backends } from "../backends.js";
import { boolParam } from "./request.js";
import { sendEmpty } from "./responses.js";
import type { Route } from "./router.js";

const ARCHIVE = /^\/containers\/(?<id>[^/]+)\/archive$/;
const STAT_HEADER = "X-Docker-Container-Path-Stat";

/** `docker cp` out of and into a created container: HEAD, GET and PUT /containers/{id}/archive. */
export function archiveRoutes({ orchestrator }: Backends): Route[] {
  return [
    {
      method: "HEAD",
      pattern: ARCHIVE,
      async handle({ res, params, query }) {
        const { stat } = await orchestrator.statContainerPath({ idOrName: params.id!, path: pathParam(query) });
        res.setHeader(STAT_HEADER, statHeaderOf(stat));
        sendEmpty(res, 200);
      },
    },
    {
      method: "GET",
      pattern: ARCHIVE,
      handle: ({ res, params, query }) => sendPathArchive(res, orchestrator.readContainerPath({ idOrName: params.id!, path: pathParam(query) })),
    },
    {
      method: "PUT",
      pattern: ARCHIVE,
      streamsBody: true,
      async handle({ req, res, params, query }) {
        const header = {
          idOrName: params.id!,
          path: pathParam(query),
          noOverwriteDirNonDir: boolParam(query, "noOverwriteDirNonDir"),
          copyUidGid: boolParam(query, "copyUIDGID"),
        };
        await orchestrator.writeContainerPath(writeRequests(header, req));
        sendEmpty(res, 200);
      },
    },
  ];
}

/** httputils.ArchiveFormValues' path, with its error (sic: "pathcannot"). */
function pathParam(query: URLSearchParams): string {
  const path = query.get("path") ?? "";
  if (path === "") throw invalidArgument("bad parameter: pathcannot be empty");
  return path;
}

function statHeaderOf(stat: layerstore.ContainerPathStat | undefined): string {
  if (!stat) throw internal("the orchestrator answered a path without its stat");
  return pathStatHeader(stat);
}

/** The stat header, then the tar; errors before the stat (a missing path: 404) get a status, later ones cut the stream. */
async function sendPathArchive(res: ServerResponse, messages: AsyncIterable<orchestrator.ReadContainerPathResponse>): Promise<void> {
  const iterator = messages[Symbol.asyncIterator]();
  const first = await iterator.next();
  res.writeHead(200, { "Content-Type": "application/x-tar", [STAT_HEADER]: statHeaderOf(first.done ? undefined : first.value.stat) });
  async function* bytes() {
    for (let next = await iterator.next(); !next.done; next = await iterator.next()) if (next.value.chunk) yield next.value.chunk;
  }
  await pipeline(Readable.from(bytes()), res);
}

/**
 * The header, then the request body as chunks. A body cut short makes the iteration throw, and the call is
 * then cancelled, so layer-store drops the partial tar instead of extracting it.
 */
async function* writeRequests(
  header: orchestrator.WriteContainerPathHeader,
  req: IncomingMessage,
): AsyncIterable<orchestrator.WriteContainerPathRequest> {
  yield { header };
  for await (const chunk of req as AsyncIterable<Buffer>) yield { chunk };
}
