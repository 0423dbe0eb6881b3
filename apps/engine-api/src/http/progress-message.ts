/**
 * A pull's or push's progress (image-store's ProgressMessage) as the JSON line dockerd 20.10 streams for it
 * (pkg/streamformatter). dockerd writes two shapes: a layer's action (progress.Update, or a progress reader
 * while bytes move) carries `progressDetail` (`{}` without byte counts) and, with counts, the bar text it
 * renders itself; a line about the whole image (progress.Message: "Pulling from …", "Digest: …", "Status: …",
 * "The push refers to repository […]") is status and id only; a pushed tag's result is the `aux` object.
 */
import { isLayerAction, progressBar, retryStatus } from "@slipway/docker-spec";
import type { imagestore } from "@slipway/proto";
import { jsonMessage } from "./json-stream.js";

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
