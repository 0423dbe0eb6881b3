import { join } from "node:path";
import { containerConfig, goJson, isObject } from "./go-json.js";
import { chainLinks, unixSeconds } from "./image-config.js";
import type { ResolvedImage } from "./image-service.js";

const ZERO_TIME = "0001-01-01T00:00:00Z";

/**
 * The `docker image inspect` document (GET /images/{name}/json, API 1.41) in dockerd 20.10's key
 * order and null rules; GraphDriver names the overlay2 directories under the data root.
 */
export function inspectDocument(image: ResolvedImage, dataRoot: string): string {
  const doc = image.config.doc;
  const text = (key: string) => (typeof doc[key] === "string" ? (doc[key] as string) : "");
  return goJson({
    Id: image.id,
    RepoTags: image.repoTags,
    RepoDigests: image.repoDigests,
    Parent: "",
    Comment: text("comment"),
    Created: text("created") || ZERO_TIME,
    Container: text("container"),
    ContainerConfig: containerConfig(doc.container_config),
    DockerVersion: text("docker_version"),
    Author: text("author"),
    Config: isObject(doc.config) ? containerConfig(doc.config) : null,
    Architecture: image.config.architecture,
    ...(image.config.variant ? { Variant: image.config.variant } : {}),
    Os: image.config.os,
    ...(typeof doc["os.version"] === "string" && doc["os.version"] ? { OsVersion: doc["os.version"] } : {}),
    Size: image.size,
    VirtualSize: image.size,
    GraphDriver: { Data: graphDriverData(image, dataRoot), Name: "overlay2" },
    RootFS: { Type: "layers", Layers: image.config.diffIds },
    Metadata: { LastTagTime: image.lastUpdated ?? ZERO_TIME },
  });
}

/** overlay2's GetMetadata for the top layer: its merged/diff/work dirs and the lower layers' diffs, top first. */
function graphDriverData(image: ResolvedImage, dataRoot: string): Record<string, string> | null {
  const top = image.layers.at(-1);
  if (!top) return null;
  const dir = (cacheId: string) => join(dataRoot, "overlay2", cacheId);
  const lowers = image.layers
    .slice(0, -1)
    .reverse()
    .map((l) => join(dir(l.cacheId), "diff"));
  return {
    ...(lowers.length > 0 ? { LowerDir: lowers.join(":") } : {}),
    MergedDir: join(dir(top.cacheId), "merged"),
    UpperDir: join(dir(top.cacheId), "diff"),
    WorkDir: join(dir(top.cacheId), "work"),
  };
}

/** One row of `docker images`. */
export interface ImageSummaryRow {
  readonly id: string;
  readonly repoTags: string[];
  readonly repoDigests: string[];
  readonly created: number;
  readonly size: number;
  readonly labels: Record<string, string>;
  /** The layers from the base up. */
  readonly layers: { diffId: string; chainId: string }[];
}

export function summaryOf(image: ResolvedImage): ImageSummaryRow {
  return {
    id: image.id,
    repoTags: image.repoTags,
    repoDigests: image.repoDigests,
    created: unixSeconds(image.config.created),
    size: image.size,
    labels: image.config.labels,
    layers: chainLinks(image.config),
  };
}
