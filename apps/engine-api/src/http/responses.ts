import type { ServerResponse } from "node:http";
import { API_VERSION } from "./api-version.js";

/** What the 501 for anything outside Slipway's subset tells the user. */
export const NOT_IMPLEMENTED =
  "Slipway prepares containers and images (create, list, inspect, remove; load, save, tag, remove images); " +
  "it does not run them. Start a stock dockerd on the same data root to run containers (see Slipway's README).";

/** The headers dockerd puts on every API response. */
export function setDockerHeaders(res: ServerResponse, experimental = true): void {
  res.setHeader("Api-Version", API_VERSION);
  if (experimental) res.setHeader("Docker-Experimental", "false");
  res.setHeader("Ostype", "linux");
  res.setHeader("Server", "Slipway (linux)");
}

/** A compact JSON body with Go's trailing newline and the exact content type the CLI expects. */
export function sendJson(res: ServerResponse, statusCode: number, body: unknown): void {
  sendJsonBytes(res, statusCode, Buffer.from(JSON.stringify(body)));
}

/** A JSON document a store produced, passed through unchanged (plus Go's trailing newline). */
export function sendJsonBytes(res: ServerResponse, statusCode: number, json: Buffer): void {
  // Two writes rather than a concatenated copy: a list of 10,000 containers is megabytes.
  const newline = json.at(-1) === 0x0a ? "" : "\n";
  res.writeHead(statusCode, { "Content-Type": "application/json", "Content-Length": json.length + newline.length });
  res.write(json);
  res.end(newline);
}

/** A success without a body: 204 carries no Content-Length at all, other statuses `Content-Length: 0`. */
export function sendEmpty(res: ServerResponse, statusCode: number): void {
  res.writeHead(statusCode, statusCode === 204 ? {} : { "Content-Length": 0 });
  res.end();
}

/** An error as the docker CLI prints it: `Error response from daemon: <message>`. */
export function sendError(res: ServerResponse, statusCode: number, message: string): void {
  sendJson(res, statusCode, { message });
}
