import type { Backends } from "../backends.js";
import { compareVersions } from "./api-version.js";
import { boolParam, filtersParam, intParam, requireJsonContentType } from "./request.js";
import { ListBodies } from "./list-bodies.js";
import { sendEmpty, sendJson, sendJsonBytes, sendJsonChunks } from "./responses.js";
import type { Route } from "./router.js";
import type { HeldWaits } from "./run-routes.js";

/** docker create / ps / inspect / rm, translated to the orchestrator (a removal ends the waits held on it). */
export function containerRoutes({ orchestrator }: Backends, waits?: HeldWaits): Route[] {
  const listBodies = new ListBodies();
  return [
    {
      method: "POST",
      pattern: /^\/containers\/create$/,
      // The body (a config document of a few KiB) is read by the server, up to its limit (16 MiB by default).
      async handle({ req, res, query, apiVersion, body }) {
        requireJsonContentType(req);
        // dockerd reads `platform` from API 1.41 on.
        const platform = compareVersions(apiVersion, "1.41") >= 0 ? (query.get("platform") ?? "") : "";
        const created = await orchestrator.createContainer({ name: query.get("name") ?? "", createRequestJson: body, apiVersion, platform });
        sendJson(res, 201, { Id: created.id, Warnings: created.warnings });
      },
    },
    {
      method: "GET",
      pattern: /^\/containers\/json$/,
      async handle({ res, query }) {
        const request = {
          all: boolParam(query, "all"),
          // The CLI's default `-n -1` means no limit, as does 0.
          limit: Math.max(0, intParam(query, "limit", 0)),
          filters: filtersParam(query),
        };
        // Sizes are read from the layers at every call, never kept.
        if (boolParam(query, "size")) return sendJsonChunks(res, 200, chunksOf(orchestrator.listContainersJson({ query: request, size: true })));
        const key = JSON.stringify(request);
        const { listVersion } = await orchestrator.getListVersion({});
        const kept = listBodies.get(key, listVersion);
        if (kept) return sendJsonBytes(res, 200, kept);
        await sendJsonChunks(res, 200, listBodies.keep(key, listVersion, chunksOf(orchestrator.listContainersJson({ query: request, size: false }))));
      },
    },
    {
      method: "GET",
      pattern: /^\/containers\/(?<id>[^/]+)\/json$/,
      async handle({ res, params, query }) {
        const { inspectJson } = await orchestrator.inspectContainer({ idOrName: params.id!, size: boolParam(query, "size") });
        sendJsonBytes(res, 200, inspectJson);
      },
    },
    {
      method: "DELETE",
      pattern: /^\/containers\/(?<id>[^/]+)$/,
      async handle({ res, params, query }) {
        const request = { idOrName: params.id!, removeVolumes: boolParam(query, "v"), force: boolParam(query, "force") };
        await orchestrator.removeContainer(request);
        waits?.recheck();
        sendEmpty(res, 204);
      },
    },
  ];
}

async function* chunksOf(messages: AsyncIterable<{ chunk: Buffer }>): AsyncIterable<Buffer> {
  for await (const { chunk } of messages) yield chunk;
}
