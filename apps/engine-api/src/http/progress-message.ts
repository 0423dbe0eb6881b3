/**
 * A pull's or push's progress (image-store's ProgressMessage) as the JSON line dockerd 20.10 streams for it
 * (pkg/streamformatter). dockerd writes two shapes: a layer's action (progress.Update, or a progress reader
 * while bytes move) carries `progressDetail` (`{}` without byte counts) and, with counts, the bar text it
 * renders itself; a line about the whole image (progress.Message: "Pulling from …", "Digest: …", "Status: …",
 * "The push refers to repository […]") is status and id only; a pushed tag's result is the `aux` object.
 */
import { progressBar } from "@slipway/docker-spec";
import type { imagestore } from "@slipway/proto";
import { jsonMessage } from "./json-stream.js";

/** The layer actions of dockerd's distribution/ and distribution/xfer/ (progress.Update and progress readers). */
const LAYER_ACTIONS = new Set([
  "Pulling fs layer",
  "Downloading",
  "Extracting",
  "Pushing",
  "Waiting",
  "Verifying Checksum",
  "Download complete",
  "Pull complete",
  "Already exists",
  "Preparing",
  "Pushed",
  "Layer already exists",
  "Skipped foreign layer",
]);
/** Layer actions with a variable end: "Retrying in 5 seconds", "Mounted from library/alpine". */
const LAYER_ACTION_PREFIXES = ["Retrying in ", "Mounted from "];

/** One line of the stream, CRLF-terminated, in Go's JSONMessage key order with its omitted empty fields. */
export function progressLine(message: imagestore.ProgressMessage): string {
  const { current, total, pushResult } = message;
  // A pushed tag's result goes out as dockerd's progress.Aux: no status, an empty progressDetail, the aux object.
  if (pushResult) return jsonMessage({ progressDetail: {}, aux: { Tag: pushResult.tag, Digest: pushResult.digest, Size: pushResult.size } });
  const status = message.retryInSeconds === undefined ? message.status : retryStatus(message.retryInSeconds);
  const id = message.id || undefined;
  if (!isLayerAction(status, current, total)) return jsonMessage({ status, id });
  const progressDetail = { current: current || undefined, total: total || undefined };
  return jsonMessage({ status, progressDetail, progress: progressBar(current, total) || undefined, id });
}

/** dockerd's "Retrying in %d second%s". */
function retryStatus(seconds: number): string {
  return `Retrying in ${seconds} second${seconds === 1 ? "" : "s"}`;
}

function isLayerAction(status: string, current: number, total: number): boolean {
  if (current !== 0 || total !== 0 || LAYER_ACTIONS.has(status)) return true;
  return LAYER_ACTION_PREFIXES.some((prefix) => status.startsWith(prefix));
}
