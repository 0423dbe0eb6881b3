import { arch, release } from "node:os";
import { API_VERSION, MIN_API_VERSION } from "./api-version.js";
import { sendJson } from "./responses.js";
import type { Route } from "./router.js";

const SLIPWAY_VERSION = "0.1.0";

function ping(body: boolean): Route["handle"] {
  return ({ res }) => {
    res.setHeader("Cache-Control", "no-cache, no-store, must-revalidate");
    res.setHeader("Pragma", "no-cache");
    res.writeHead(200, { "Content-Type": "text/plain; charset=utf-8", "Content-Length": body ? 2 : 0 });
    res.end(body ? "OK" : undefined);
  };
}

/** /_ping (version negotiation: the CLI reads Api-Version) and /version. */
export const systemRoutes: readonly Route[] = [
  { method: "GET", pattern: /^\/_ping$/, handle: ping(true) },
  { method: "HEAD", pattern: /^\/_ping$/, handle: ping(false) },
  {
    method: "GET",
    pattern: /^\/version$/,
    handle: ({ res }) =>
      sendJson(res, 200, {
        Platform: { Name: "Slipway" },
        Components: [{ Name: "Engine", Version: SLIPWAY_VERSION, Details: { ApiVersion: API_VERSION, MinAPIVersion: MIN_API_VERSION, Os: "linux" } }],
        Version: SLIPWAY_VERSION,
        ApiVersion: API_VERSION,
        MinAPIVersion: MIN_API_VERSION,
        Os: "linux",
        Arch: arch() === "x64" ? "amd64" : arch(),
        KernelVersion: release(),
        GoVersion: `node${process.versions.node}`,
        GitCommit: "",
        BuildTime: "",
      }),
  },
];
