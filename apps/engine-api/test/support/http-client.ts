import { request } from "node:http";
import { connect } from "node:net";

export interface HttpReply {
  readonly status: number;
  readonly headers: Record<string, string | string[] | undefined>;
  readonly body: Buffer;
  readonly text: string;
}

/** One request over the unix socket, with an optional body (a Buffer, or chunks sent chunked). */
export function call(
  socketPath: string,
  method: string,
  path: string,
  options: { body?: Buffer | string; headers?: Record<string, string> } = {},
): Promise<HttpReply> {
  return new Promise((resolve, reject) => {
    const req = request({ socketPath, method, path, headers: options.headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on("data", (c: Buffer) => chunks.push(c));
      res.on("end", () => {
        const body = Buffer.concat(chunks);
        resolve({ status: res.statusCode!, headers: res.headers, body, text: body.toString() });
      });
      res.on("error", reject);
    });
    req.once("error", reject);
    req.end(options.body);
  });
}

/**
 * Raw HTTP/1.1 on one connection, as the docker CLI does it: each request is written only after the previous
 * response has been read completely (by Content-Length, or `0\r\n\r\n` for chunked), and the raw response
 * bytes are returned in order. `pauseMs`: how long the connection sits idle before each request after the first.
 */
export async function exchangeOnOneConnection(socketPath: string, requests: readonly string[], pauseMs = 0): Promise<string[]> {
  const socket = connect(socketPath);
  let buffered = "";
  const responses: string[] = [];
  let waiting: (() => void) | undefined;
  socket.on("data", (d: Buffer) => ((buffered += d.toString("latin1")), waiting?.()));
  try {
    for (const raw of requests) {
      if (responses.length > 0 && pauseMs > 0) await new Promise((resolve) => setTimeout(resolve, pauseMs));
      socket.write(raw);
      const head = raw.startsWith("HEAD ");
      let length: number | undefined;
      while ((length = completeLength(buffered, head)) === undefined) {
        await new Promise<void>((resolve, reject) => {
          const closed = () => reject(new Error(`connection closed before a response to ${raw.split("\r\n")[0]}`));
          waiting = resolve;
          if (socket.closed) closed();
          else socket.once("close", closed);
        });
      }
      responses.push(buffered.slice(0, length));
      buffered = buffered.slice(length);
    }
  } finally {
    socket.destroy();
  }
  return responses;
}

function completeLength(data: string, head: boolean): number | undefined {
  const end = data.indexOf("\r\n\r\n");
  if (end < 0) return undefined;
  const headers = data.slice(0, end).toLowerCase();
  if (head) return end + 4;
  if (headers.includes("transfer-encoding: chunked")) {
    const last = data.indexOf("\r\n0\r\n\r\n", end);
    return last < 0 ? undefined : last + 7;
  }
  const length = Number(/content-length: (\d+)/.exec(headers)?.[1] ?? 0);
  return data.length >= end + 4 + length ? end + 4 + length : undefined;
}
