import { request } from "node:http";

/** Where engine-api listens: its unix socket, or a TCP host and port. */
export type EngineApiTarget = { readonly socketPath: string } | { readonly host: string; readonly port: number };

/** GET /_ping on engine-api; resolves to the status code, or to the error text when unreachable. */
export function pingEngineApi(target: EngineApiTarget, timeoutMs = 2_000): Promise<number | string> {
  return new Promise((resolve) => {
    const req = request({ ...target, path: "/_ping", method: "GET", timeout: timeoutMs }, (res) => {
      res.resume();
      resolve(res.statusCode ?? 0);
    });
    req.once("error", (err) => resolve(err.message));
    req.once("timeout", () => (req.destroy(), resolve(`no answer within ${timeoutMs} ms`)));
    req.end();
  });
}
