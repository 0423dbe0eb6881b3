import { sha256Digest } from "@slipway/docker-spec";
import { containerConfig, goJson, isObject } from "../domain/go-json.js";

const EPOCH = "1970-01-01T00:00:00Z";
const ZERO_TIME = "0001-01-01T00:00:00Z";

/**
 * The legacy v1 image JSON that `docker save` hashes into a layer's v1 ID (image.V1Image in Go field
 * order, without id/parent): the full config for the top layer, an empty one dated 1970 for the
 * others (whose `os` dockerd adds only after hashing; see withOs).
 */
export function v1Image(doc: Record<string, unknown>, isTop: boolean): Record<string, unknown> {
  if (!isTop) return { created: EPOCH, container_config: containerConfig(undefined) };
  const os = typeof doc.os === "string" && doc.os ? { os: doc.os } : {};
  const optional = (key: string, value: unknown) => (value === undefined || value === "" || value === 0 ? {} : { [key]: value });
  const text = (key: string) => (typeof doc[key] === "string" ? (doc[key] as string) : "");
  return {
    ...optional("comment", text("comment")),
    created: text("created") || ZERO_TIME,
    ...optional("container", text("container")),
    container_config: containerConfig(doc.container_config),
    ...optional("docker_version", text("docker_version")),
    ...optional("author", text("author")),
    ...(isObject(doc.config) ? { config: containerConfig(doc.config) } : {}),
    ...optional("architecture", text("architecture")),
    ...optional("variant", text("variant")),
    ...os,
    ...optional("Size", typeof doc.Size === "number" ? doc.Size : undefined),
  };
}

/**
 * The v1 ID of a layer (distribution's v1.CreateID): sha256 of the v1 JSON plus layer_id (the
 * chainID) and parent (the previous v1 ID as a digest), marshalled as a Go map (sorted keys).
 */
export function v1Id(image: Record<string, unknown>, chainId: string, parentDigest: string): string {
  const fields: Record<string, unknown> = { ...image, layer_id: chainId, ...(parentDigest ? { parent: parentDigest } : {}) };
  const body = Object.keys(fields)
    .sort()
    .map((key) => `${JSON.stringify(key)}:${goJson(fields[key])}`)
    .join(",");
  return sha256Digest(`{${body}}`);
}

/** The v1 JSON with the image's os, as written to a lower layer's `json` file. */
export function withOs(image: Record<string, unknown>, doc: Record<string, unknown>): Record<string, unknown> {
  return typeof doc.os === "string" && doc.os ? { ...image, os: doc.os } : image;
}

/** The `json` file of a layer directory: the v1 JSON with its id and parent. */
export function v1Json(image: Record<string, unknown>, id: string, parentId: string): string {
  return goJson({ id, ...(parentId ? { parent: parentId } : {}), ...image });
}
