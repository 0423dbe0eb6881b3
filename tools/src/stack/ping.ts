import { request } from "node:http";

/** GET /_ping on the engine-api unix socket; resolves true on 200 OK. */
export function pingEngineApi(socketPath: string, timeoutMs = 1_000): Promise<boolean> {
  return new Promise((resolve) => {
    const req = request({ socketPath, path: "/_ping", method: "GET", timeout: timeoutMs }, (res) => {
      res.resume();
      resolve(res.statusCode === 200);
    });
    req.once("error", () => resolve(false)).once("timeout", () => (req.destroy(), resolve(false)));
    req.end();
  });
}
