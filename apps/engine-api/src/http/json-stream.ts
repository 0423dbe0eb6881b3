/**
 * dockerd's JSON-message stream (pkg/jsonmessage), as `docker load` and pulls send it: one JSON object per
 * message, each ended by CRLF, with Go's HTML escaping of <, > and &.
 */
import { progressBar } from "@slipway/docker-spec";

/** One message line with Go's encoding (json.Marshal escapes <, > and &) and the stream's CRLF. */
export function jsonMessage(message: object): string {
  const escaped = JSON.stringify(message).replace(/[<>&]/g, (c) => `\\u00${c.charCodeAt(0).toString(16)}`);
  return `${escaped}\r\n`;
}

/** A "Loading layer" progress line; `id` is the first 12 hex digits of the layer's digest. */
export function loadingLayerMessage(digest: string, current: number, total: number): string {
  return jsonMessage({
    status: "Loading layer",
    progressDetail: { current, total },
    progress: progressBar(current, total),
    id: digest.replace(/^sha256:/, "").slice(0, 12),
  });
}

/** A line the CLI prints verbatim, e.g. "Loaded image: golden:1". */
export function streamMessage(text: string): string {
  return jsonMessage({ stream: `${text}\n` });
}

/** The final line of a failed stream; the CLI prints the message and exits 1. */
export function errorMessage(message: string): string {
  return jsonMessage({ errorDetail: { message }, error: message });
}
