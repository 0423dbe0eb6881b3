import type { IncomingMessage, ServerResponse } from "node:http";
import { invalidArgument, isNotFound, notFound } from "@slipway/errors";
import type { imagestore } from "@slipway/proto";
import type { Backends } from "../backends.js";
import { httpErrorOf } from "./errors.js";
import { errorMessage, loadingLayerMessage, streamMessage } from "./json-stream.js";
import { boolParam, filtersParam } from "./request.js";
import { sendByteStream, sendEmpty, sendJson, sendJsonBytes } from "./responses.js";
import type { Route } from "./router.js";
import { imageDeleteJson, imageSummaryJson } from "./summaries.js";

/**
 * docker load / images / image inspect / tag / rmi / save, translated to the image store. `hiddenPaths` (the
 * data root) never appear in the error messages written into a load's stream.
 */
export function imageRoutes({ imageStore }: Backends, hiddenPaths: readonly string[] = []): Route[] {
  // Fixed paths first: the image-name patterns below match almost anything (names may contain "/").
  return [
    {
      method: "GET",
      pattern: /^\/images\/json$/,
      async handle({ res, query }) {
        const { images } = await imageStore.listImages({ all: boolParam(query, "all"), filters: filtersParam(query) });
        sendJson(res, 200, images.map(imageSummaryJson));
      },
    },
    {
      method: "POST",
      pattern: /^\/images\/load$/,
      streamsBody: true,
      handle: ({ req, res, query }) => streamLoad(imageStore, req, res, boolParam(query, "quiet"), hiddenPaths),
    },
    {
      method: "GET",
      pattern: /^\/images\/get$/,
      handle: ({ res, query }) => sendByteStream(res, "application/x-tar", imageStore.saveImages({ references: query.getAll("names") })),
    },
    {
      method: "GET",
      pattern: /^\/images\/(?<name>.+)\/get$/,
      handle: ({ res, params }) => sendByteStream(res, "application/x-tar", imageStore.saveImages({ references: [params.name!] })),
    },
    {
      method: "GET",
      pattern: /^\/images\/(?<name>.+)\/json$/,
      async handle({ res, params }) {
        const { inspectJson } = await imageStore.getImage({ reference: params.name! }).catch((err: unknown) => {
          // dockerd's LookupImage wraps the store's "No such image: nosuch:latest" with the name as given.
          throw isNotFound(err) ? notFound(`no such image: ${params.name}: ${err.message}`) : err;
        });
        sendJsonBytes(res, 200, inspectJson);
      },
    },
    {
      method: "POST",
      pattern: /^\/images\/(?<name>.+)\/tag$/,
      async handle({ res, params, query }) {
        const repo = query.get("repo");
        if (!repo) throw invalidArgument("repo is required: POST /images/{name}/tag?repo=<repository>&tag=<tag>");
        await imageStore.tagImage({ source: params.name!, target: repo, tag: query.get("tag") ?? "" });
        sendEmpty(res, 201);
      },
    },
    {
      method: "DELETE",
      pattern: /^\/images\/(?<name>.+)$/,
      async handle({ res, params, query }) {
        const request = { reference: params.name!, force: boolParam(query, "force"), noPrune: boolParam(query, "noprune") };
        const { items } = await imageStore.removeImage(request);
        sendJson(res, 200, imageDeleteJson(items));
      },
    },
  ];
}

/**
 * POST /images/load: the archive streams from the request straight into LoadImages, and progress streams back.
 * As in dockerd the status is 200 whatever happens; a failure is the stream's last message.
 */
async function streamLoad(
  imageStore: Backends["imageStore"],
  req: IncomingMessage,
  res: ServerResponse,
  quiet: boolean,
  hiddenPaths: readonly string[],
) {
  res.writeHead(200, { "Content-Type": "application/json" });
  try {
    for await (const { progress, loaded, notice } of imageStore.loadImages(archiveChunks(req))) {
      if (progress && !quiet) res.write(loadingLayerMessage(progress.digest, progress.current, progress.total));
      if (notice !== undefined) res.write(streamMessage(notice));
      if (loaded) res.write(streamMessage(loaded.message));
    }
  } catch (err) {
    res.write(errorMessage(httpErrorOf(err, hiddenPaths).message));
  }
  res.end();
}

/**
 * The request body as LoadImages messages. A body cut short makes the iteration throw ("aborted"), and the
 * client then cancels the call, so the store drops a partial archive instead of loading it.
 */
async function* archiveChunks(req: IncomingMessage): AsyncIterable<imagestore.LoadImagesRequest> {
  for await (const chunk of req as AsyncIterable<Buffer>) yield { chunk };
}
