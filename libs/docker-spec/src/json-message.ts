/**
 * dockerd's progress messages (pkg/jsonmessage, pkg/progress) as the engine sends them and the docker CLI
 * draws them: which statuses are a layer's action, and the progress bar text. Pure.
 */
import { humanSize } from "./units.js";

const BAR_WIDTH = 50;
/** The width dockerd renders bars at: it has no terminal, and jsonmessage assumes 200 columns then. */
const NO_TERMINAL_WIDTH = 200;
/** jsonmessage draws the bar only on a terminal wider than this; narrower, the counts alone. */
const BAR_MIN_WIDTH = 110;

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

/**
 * Whether dockerd sends this status as a layer's action (a message with a progressDetail, which the docker
 * CLI redraws in place on a terminal) rather than as a line about the whole image ("Pulling from …",
 * "Digest: …", "Status: …").
 */
export function isLayerAction(status: string, current: number, total: number): boolean {
  if (current !== 0 || total !== 0 || LAYER_ACTIONS.has(status)) return true;
  return LAYER_ACTION_PREFIXES.some((prefix) => status.startsWith(prefix));
}

/** dockerd's "Retrying in %d second%s". */
export function retryStatus(seconds: number): string {
  return `Retrying in ${seconds} second${seconds === 1 ? "" : "s"}`;
}

/**
 * JSONProgress.String(): "[=====>     ]  1.442MB/1.997MB" for a terminal `width` columns wide (the counts alone
 * at 110 or less), as dockerd sends it (`width` 200) and the docker CLI draws it.
 */
export function progressBar(current: number, total: number, width = NO_TERMINAL_WIDTH): string {
  if (current <= 0 && total <= 0) return "";
  if (total <= 0) return humanSize(current).padStart(8);
  const filled = Math.min(BAR_WIDTH, Math.max(0, Math.floor(Math.trunc((current / total) * 100) / 2)));
  const bar = width > BAR_MIN_WIDTH ? `[${"=".repeat(filled)}>${" ".repeat(BAR_WIDTH - filled)}] ` : "";
  const numbers = current > total ? humanSize(current).padStart(8) : `${humanSize(current).padStart(8)}/${humanSize(total)}`;
  return bar + numbers;
}
