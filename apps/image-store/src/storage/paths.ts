import { join } from "node:path";

/** Where image-store's files live under a data root (dockerd's layout for the overlay2 driver). */
export interface ImageStorePaths {
  readonly dataRoot: string;
  /** <data-root>/image/overlay2 */
  readonly imageRoot: string;
  /** imagedb/content/sha256: one file per image, the exact config bytes. */
  readonly content: string;
  /** imagedb/metadata/sha256: lastUpdated (and parent, for built images). */
  readonly metadata: string;
  readonly repositories: string;
  /** Temp dirs of loads and saves in progress; anything here at start is a leftover. */
  readonly scratch: string;
}

export function imageStorePaths(dataRoot: string): ImageStorePaths {
  const imageRoot = join(dataRoot, "image", "overlay2");
  return {
    dataRoot,
    imageRoot,
    content: join(imageRoot, "imagedb", "content", "sha256"),
    metadata: join(imageRoot, "imagedb", "metadata", "sha256"),
    repositories: join(imageRoot, "repositories.json"),
    scratch: join(imageRoot, "slipway-tmp"),
  };
}
