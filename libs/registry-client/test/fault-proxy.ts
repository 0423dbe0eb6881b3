// A proxy in front of a test registry that misbehaves on request: it cuts, corrupts, stalls, redirects or
// answers in the registry's place, so the client's handling of a broken registry can be watched.
import { createServer, request as forward, type IncomingMessage, type ServerResponse } from "node:http";

export type Fault =
  /** Forward, flipping one byte in the middle of the body. */
  | { readonly kind: "corrupt" }
  /** Forward the headers and this many body bytes, then drop the connection. */
  | { readonly kind: "cut"; readonly afterBytes: number }
  /** Forward the headers and this many body bytes, then fall silent. */
  | { readonly kind: "stall"; readonly afterBytes: number }
  /** Forward without the request's Range header (a registry that ignores Range). */
  | { readonly kind: "ignore-range" }
  /** Answer in the registry's place. */
  | { readonly kind: "answer"; readonly status: number; readonly headers?: Record<string, string>; readonly body?: Buffer | string };

export interface ProxiedRequest {
  readonly method: string;
  readonly path: string;
  readonly headers: IncomingMessage["headers"];
}

export interface FaultProxy {
  /** "127.0.0.1:PORT". */
  readonly host: string;
  readonly requests: ProxiedRequest[];
  stop(): Promise<void>;
}

/** Proxies to `target` ("127.0.0.1:PORT"), applying what `faultFor` says for each request. */
export async function startFaultProxy(target: string, faultFor: (request: ProxiedRequest) => Fault | undefined): Promise<FaultProxy> {
  const requests: ProxiedRequest[] = [];
  const server = createServer((request, response) => {
    const seen = { method: request.method ?? "GET", path: request.url ?? "/", headers: request.headers };
    requests.push(seen);
    const fault = faultFor(seen);
    if (fault?.kind === "answer") return void response.writeHead(fault.status, fault.headers).end(fault.body);
    const headers = { ...request.headers };
    if (fault?.kind === "ignore-range") delete headers.range;
    const [hostname, port] = target.split(":");
    const upstream = forward({ hostname, port: Number(port), method: request.method, path: request.url, headers }, (answer) =>
      relay(answer, response, fault),
    );
    upstream.on("error", () => response.destroy());
    request.pipe(upstream);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as { port: number };
  return {
    host: `127.0.0.1:${port}`,
    requests,
    stop: () => {
      server.closeAllConnections();
      return new Promise((resolve) => server.close(() => resolve()));
    },
  };
}

function relay(answer: IncomingMessage, response: ServerResponse, fault: Fault | undefined): void {
  response.writeHead(answer.statusCode ?? 502, answer.headers);
  const limit = fault?.kind === "cut" || fault?.kind === "stall" ? fault.afterBytes : Infinity;
  const middle = Number(answer.headers["content-length"] ?? 0) >> 1;
  let sent = 0;
  answer.on("data", (chunk: Buffer) => {
    if (sent >= limit) return;
    let piece = chunk.subarray(0, Math.max(0, limit - sent));
    if (fault?.kind === "corrupt" && sent <= middle && middle < sent + piece.length) {
      piece = Buffer.from(piece);
      piece[middle - sent]! ^= 0xff;
    }
    sent += piece.length;
    response.write(piece);
    if (sent >= limit && fault?.kind === "cut") response.socket?.destroy();
  });
  answer.on("end", () => {
    if (sent < limit || limit === Infinity) response.end();
  });
}
