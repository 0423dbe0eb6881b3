import { request as httpRequest, type ClientRequest, type IncomingMessage, type RequestOptions } from "node:http";
import { request as httpsRequest } from "node:https";

/** A client certificate (and the CA that signed engine-api's) for its TCP listener, as PEM. */
export interface EngineApiClientTls {
  readonly ca: Buffer | string;
  readonly cert: Buffer | string;
  readonly key: Buffer | string;
}

/**
 * Where engine-api listens: its unix socket, or a TCP host and port. Its TCP listener speaks only HTTPS
 * with a client certificate, so give `tls` for it; without, the request goes out as plain HTTP (which
 * engine-api refuses, as a test may want to see).
 */
export type EngineApiTarget = { readonly socketPath: string } | { readonly host: string; readonly port: number; readonly tls?: EngineApiClientTls };

/** GET /_ping on engine-api; resolves to the status code, or to the error text when unreachable. */
export function pingEngineApi(target: EngineApiTarget, timeoutMs = 2_000): Promise<number | string> {
  return new Promise((resolve) => {
    const req = send(target, { path: "/_ping", method: "GET", timeout: timeoutMs }, (res) => {
      res.resume();
      resolve(res.statusCode ?? 0);
    });
    req.once("error", (err) => resolve(err.message));
    req.once("timeout", () => (req.destroy(), resolve(`no answer within ${timeoutMs} ms`)));
    req.end();
  });
}

function send(target: EngineApiTarget, options: RequestOptions, onResponse: (res: IncomingMessage) => void): ClientRequest {
  if ("socketPath" in target || !target.tls) return httpRequest({ ...target, ...options }, onResponse);
  const { host, port, tls } = target;
  // engine-api's certificate names 127.0.0.1 and localhost among its SANs, so the host is checked as usual.
  return httpsRequest({ host, port, ...tls, ...options }, onResponse);
}
