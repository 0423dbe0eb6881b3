import { chainIds, isDigest } from "@slipway/docker-spec";
import { isObject } from "./go-json.js";

/** The parts of an image config (the imagedb content) that image-store works with. */
export interface ImageConfig {
  /** The whole parsed document, unknown keys included. */
  readonly doc: Record<string, unknown>;
  readonly diffIds: readonly string[];
  readonly chainIds: readonly string[];
  readonly os: string;
  readonly architecture: string;
  readonly variant: string;
  /** RFC3339 as stored; "" when absent. */
  readonly created: string;
  readonly labels: Record<string, string>;
}

const MAX_DEPTH = 125;

/**
 * Parses and checks config bytes as dockerd's image store does on create: a JSON object with
 * rootfs {type "layers", diff_ids}, no more non-empty history entries than layers, at most 125 layers.
 * Throws an Error whose message says what is wrong.
 */
export function parseImageConfig(bytes: Uint8Array): ImageConfig {
  let doc: unknown;
  try {
    doc = JSON.parse(Buffer.from(bytes).toString("utf8"));
  } catch (err) {
    throw new Error(`the image config is not valid JSON (${(err as Error).message})`, { cause: err });
  }
  if (!isObject(doc)) throw new Error("the image config is not a JSON object");
  const rootfs = doc.rootfs;
  if (!isObject(rootfs) || rootfs.type !== "layers") throw new Error('the image config has no rootfs of type "layers"');
  const diffIds = rootfs.diff_ids ?? [];
  if (!Array.isArray(diffIds) || !diffIds.every((d) => typeof d === "string" && isDigest(d))) {
    throw new Error("the image config's rootfs.diff_ids is not a list of sha256 digests");
  }
  if (diffIds.length > MAX_DEPTH) throw new Error(`the image has ${diffIds.length} layers; the maximum depth is ${MAX_DEPTH}`);
  const history = Array.isArray(doc.history) ? doc.history : [];
  const nonEmpty = history.filter((h) => !(isObject(h) && h.empty_layer === true)).length;
  if (history.length > 0 && nonEmpty > diffIds.length) throw new Error("too many non-empty layers in History section");
  const config = isObject(doc.config) ? doc.config : {};
  return {
    doc,
    diffIds: diffIds as string[],
    chainIds: chainIds(diffIds as string[]),
    os: text(doc.os),
    architecture: text(doc.architecture),
    variant: text(doc.variant),
    created: text(doc.created),
    labels: isObject(config.Labels)
      ? (Object.fromEntries(Object.entries(config.Labels).filter(([, v]) => typeof v === "string")) as Record<string, string>)
      : {},
  };
}

/** The image's layers from the base up, each diffID with its chainID. */
export function chainLinks(config: ImageConfig): { diffId: string; chainId: string }[] {
  return config.diffIds.map((diffId, i) => ({ diffId, chainId: config.chainIds[i]! }));
}

/** Unix seconds of an RFC3339 time; 0 when absent or unparsable. */
export function unixSeconds(rfc3339: string): number {
  const ms = Date.parse(rfc3339);
  return Number.isFinite(ms) ? Math.floor(ms / 1000) : 0;
}

function text(value: unknown): string {
  return typeof value === "string" ? value : "";
}
