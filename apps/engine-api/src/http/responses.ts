import type { ServerResponse } from "node:http";
import { Readable } from "node:stream";
import { pipeline } from "node:stream/promises";
import { API_VERSION } from "./api-version.js";

/** What the 501 for anything outside Slipway's subset tells the user. */
export const NOT_IMPLEMENTED =
  "Slipway prepares containers and images (create, list, inspect, remove; pull, push, load, save, tag, remove images); " +
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

/**
 * A JSON document a store streams in chunks, written as it arrives (chunked transfer, plus Go's trailing
 * newline). The status line waits for the second chunk: a failure before it is still a proper error, and a
 * one-chunk document gets a Content-Length, as Go's server gives small bodies.
 */
export async function sendJsonChunks(res: ServerResponse, statusCode: number, chunks: AsyncIterable<Buffer>): Promise<void> {
  let first: Buffer | undefined;
  for await (const chunk of chunks) {
    if (first === undefined) {
      first = chunk;
      continue;
    }
    if (!res.headersSent) {
      res.writeHead(statusCode, { "Content-Type": "application/json" });
      await writeChunk(res, first);
    }
    await writeChunk(res, chunk);
  }
  if (!res.headersSent) return sendJsonBytes(res, statusCode, first ?? Buffer.alloc(0));
  res.end("\n");
}

/**
 * A byte stream a store produces (an archive), chunked. Errors before the first byte (an unknown name: 404)
 * get a status; later ones cut the stream.
 */
export async function sendByteStream(res: ServerResponse, contentType: string, messages: AsyncIterable<{ chunk: Buffer }>): Promise<void> {
  const iterator = messages[Symbol.asyncIterator]();
  const first = await iterator.next();
  res.writeHead(200, { "Content-Type": contentType });
  async function* bytes() {
    for (let next = first; !next.done; next = await iterator.next()) yield next.value.chunk;
  }
  await pipeline(Readable.from(bytes()), res);
}

/** Writes one chunk of a streamed body, waiting while the client reads slower; rejects once the client is gone. */
/** How long a cut response's connection may stay half closed, waiting for the client to close its side. */
const CUT_LINGER_MS = 5_000;

/**
 * Ends a response that failed after its status line: what was written still reaches the client, then the
 * connection closes without the body's end, so that the client reports an error rather than a normal end.
 */
export function cutResponse(res: ServerResponse): void {
  const socket = res.socket;
  if (!socket || socket.destroyed) return void res.destroy();
  res.shouldKeepAlive = false;
  socket.end();
  setTimeout(() => socket.destroy(), CUT_LINGER_MS).unref();
}

export async function writeChunk(res: ServerResponse, chunk: Buffer | string): Promise<void> {
  if (!res.write(chunk)) await drained(res);
}

function drained(res: ServerResponse): Promise<void> {
  return new Promise((resolve, reject) => {
    const done = () => {
      res.off("drain", done).off("close", done);
      if (res.destroyed) reject(new Error("the client closed the connection"));
      else resolve();
    };
    res.once("drain", done).once("close", done);
  });
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
