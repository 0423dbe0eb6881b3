import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import { SlipwayError, type Logger } from "@slipway/grpc-kit";
import { API_VERSION, splitVersion, versionError } from "./api-version.js";
import { httpErrorOf } from "./errors.js";
import { NOT_IMPLEMENTED, sendError, setDockerHeaders } from "./responses.js";
import { matchRoute, type Route } from "./router.js";

const BODY_BUFFER_BYTES = 1024 * 1024;

/** The Engine API HTTP server: version prefixes, dockerd's headers and error bodies, one log line per request. */
export function createEngineApiServer(routes: readonly Route[], logger: Logger): Server {
  // requestTimeout 0: `docker load` bodies stream for as long as the archive takes. A body is read as
  // whatever has arrived (up to highWaterMark) per message: with the default 16 KiB, a load paid gRPC's
  // per-message cost for every ~64 KiB socket read.
  const server = createServer({ keepAlive: true, requestTimeout: 0, highWaterMark: BODY_BUFFER_BYTES }, (req, res) => {
    const started = performance.now();
    res.once("close", () => {
      const entry = { method: req.method, url: req.url, status: res.statusCode, durationMs: elapsed(started) };
      if (res.writableFinished) logger.info(entry, "http");
      else logger.warn(entry, "http response not completed (client went away or the stream failed)");
    });
    dispatch(routes, req, res).catch((err: unknown) => {
      const { status, message } = httpErrorOf(err);
      // A store's error says enough; anything else is a bug here, worth its stack.
      const stack = err instanceof SlipwayError ? undefined : (err as Error | undefined)?.stack;
      if (status >= 500) logger.error({ url: req.url, status, error: message, stack }, "request failed");
      if (!res.headersSent) sendError(res, status, message);
      else res.destroy();
    });
  });
  return server;
}

async function dispatch(routes: readonly Route[], req: IncomingMessage, res: ServerResponse): Promise<void> {
  const url = new URL(req.url ?? "/", "http://engine-api");
  const { version, path } = splitVersion(url.pathname);
  const tooNewOrOld = versionError(version);
  if (tooNewOrOld) {
    setDockerHeaders(res, false);
    return sendError(res, 400, tooNewOrOld);
  }
  const match = matchRoute(routes, req.method ?? "GET", path);
  if (match === undefined) {
    setDockerHeaders(res);
    return sendError(res, 501, `${req.method} ${path} is not implemented by Slipway. ${NOT_IMPLEMENTED}`);
  }
  if ("methodMismatch" in match) return sendError(res, 404, "page not found");
  setDockerHeaders(res);
  await match.route.handle({ req, res, params: match.params, query: url.searchParams, apiVersion: version ?? API_VERSION });
}

function elapsed(started: number): number {
  return Math.round((performance.now() - started) * 100) / 100;
}
