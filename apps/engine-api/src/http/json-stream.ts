/**
 * dockerd's JSON-message stream (pkg/jsonmessage), as `docker load`, pulls and pushes send it: one JSON object
 * per message, each ended by CRLF, with Go's encoding (HTML characters escaped).
 */
import { goJson, progressBar } from "@slipway/docker-spec";

/** One message line with Go's encoding and the stream's CRLF; undefined fields are left out (Go's omitempty). */
export function jsonMessage(message: object): string {
  return `${goJson(message)}\r\n`;
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
