import { goJson } from "@slipway/docker-spec";
import type { Backends } from "../backends.js";
import { sendByteStream, sendJson, sendJsonBytes } from "./responses.js";
import type { Route } from "./router.js";

/** docker export and docker diff, translated to the orchestrator. */
export function containerFilesystemRoutes({ orchestrator }: Backends): Route[] {
  return [
    {
      method: "GET",
      pattern: /^\/containers\/(?<id>[^/]+)\/export$/,
      // dockerd sets no Content-Type of its own here: Go's sniffed default.
      handle: ({ res, params }) => sendByteStream(res, "application/octet-stream", orchestrator.exportContainer({ idOrName: params.id! })),
    },
    {
      method: "GET",
      pattern: /^\/containers\/(?<id>[^/]+)\/changes$/,
      async handle({ res, params }) {
        const { changes } = await orchestrator.getContainerChanges({ idOrName: params.id! });
        // dockerd answers its nil slice, `null`, when nothing changed.
        if (changes.length === 0) return sendJson(res, 200, null);
        sendJsonBytes(res, 200, Buffer.from(goJson(changes.map(({ path, kind }) => ({ Path: path, Kind: kind })))));
      },
    },
  ];
}
