import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { Logger } from "@slipway/grpc-kit";
import { API_VERSION, splitVersion, versionError } from "./api-version.js";
import { sendError, setDockerHeaders } from "./responses.js";
import { matchRoute, type Route } from "./router.js";

const NOT_IMPLEMENTED =
  "Slipway prepares containers and images (create, list, inspect, remove; load, save, tag, remove images); " +
  "it does not run them. Start a stock dockerd on the same data root to run containers (see Slipway's README).";

/** The Engine API HTTP server: version prefixes, dockerd's headers and error bodies, one log line per request. */
export function createEngineApiServer(routes: readonly Route[], logger: Logger): Server {
  const server = createServer({ keepAlive: true }, (req, res) => {
    const started = performance.now();
    res.once("finish", () =>
      logger.info({ method: req.method, url: req.url, status: res.statusCode, durationMs: elapsed(started) }, "http"),
    );
    dispatch(routes, req, res).catch((err: unknown) => {
      logger.error({ err, url: req.url }, "request failed");
      if (!res.headersSent) sendError(res, 500, err instanceof Error ? err.message : String(err));
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
