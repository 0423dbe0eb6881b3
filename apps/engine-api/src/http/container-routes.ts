import type { Backends } from "../backends.js";
import { boolParam, filtersParam, intParam, readBody, requireJsonContentType } from "./request.js";
import { ListBodies } from "./list-bodies.js";
import { sendEmpty, sendJson, sendJsonBytes, sendJsonChunks } from "./responses.js";
import type { Route } from "./router.js";

/** A create body is a config document of a few KiB; anything near this is not one. */
const MAX_CREATE_BODY = 4 * 1024 * 1024;

/** docker create / ps / inspect / rm, translated to the orchestrator. */
export function containerRoutes({ orchestrator }: Backends): Route[] {
  const listBodies = new ListBodies();
  return [
    {
      method: "POST",
      pattern: /^\/containers\/create$/,
      async handle({ req, res, query, apiVersion }) {
        requireJsonContentType(req);
        const createRequestJson = await readBody(req, MAX_CREATE_BODY);
        const created = await orchestrator.createContainer({ name: query.get("name") ?? "", createRequestJson, apiVersion });
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
        const key = JSON.stringify(request);
        const { listVersion } = await orchestrator.getListVersion({});
        const kept = listBodies.get(key, listVersion);
        if (kept) return sendJsonBytes(res, 200, kept);
        await sendJsonChunks(res, 200, listBodies.keep(key, listVersion, chunksOf(orchestrator.listContainersJson({ query: request }))));
      },
    },
    {
      method: "GET",
      pattern: /^\/containers\/(?<id>[^/]+)\/json$/,
      async handle({ res, params }) {
        const { inspectJson } = await orchestrator.inspectContainer({ idOrName: params.id! });
        sendJsonBytes(res, 200, inspectJson);
      },
    },
    {
      method: "DELETE",
      pattern: /^\/containers\/(?<id>[^/]+)$/,
      async handle({ res, params, query }) {
        const request = { idOrName: params.id!, removeVolumes: boolParam(query, "v"), force: boolParam(query, "force") };
        await orchestrator.removeContainer(request);
        sendEmpty(res, 204);
      },
    },
  ];
}

async function* chunksOf(messages: AsyncIterable<{ chunk: Buffer }>): AsyncIterable<Buffer> {
  for await (const { chunk } of messages) yield chunk;
}
