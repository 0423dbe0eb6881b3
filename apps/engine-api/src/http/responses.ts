import type { ServerResponse } from "node:http";
import { API_VERSION } from "./api-version.js";

/** The headers dockerd puts on every API response. */
export function setDockerHeaders(res: ServerResponse, experimental = true): void {
  res.setHeader("Api-Version", API_VERSION);
  if (experimental) res.setHeader("Docker-Experimental", "false");
  res.setHeader("Ostype", "linux");
  res.setHeader("Server", "Slipway (linux)");
}

/** A compact JSON body with Go's trailing newline and the exact content type the CLI expects. */
export function sendJson(res: ServerResponse, statusCode: number, body: unknown): void {
  const text = `${JSON.stringify(body)}\n`;
  res.writeHead(statusCode, { "Content-Type": "application/json", "Content-Length": Buffer.byteLength(text) });
  res.end(text);
}

/** An error as the docker CLI prints it: `Error response from daemon: <message>`. */
export function sendError(res: ServerResponse, statusCode: number, message: string): void {
  sendJson(res, statusCode, { message });
}
