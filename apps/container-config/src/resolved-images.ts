import type { ContainerSummary } from "./summary.js";

/**
 * What the caller resolved of images for one list: container-config knows no images, but dockerd looks both
 * of these up when it lists (its refreshImage and the `ancestor` filter).
 */
export interface ResolvedImages {
  /** imageReferenceKey of each pair whose reference no longer names the image the container was created from. */
  readonly stale: ReadonlySet<string>;
  /** The images the `ancestor` filter names now; undefined when the caller resolved none. */
  readonly ancestorImageIds?: ReadonlySet<string>;
}

/** A container's (Config.Image, image ID) pair as one key: a reference never holds a space. */
export function imageReferenceKey(reference: string, imageId: string): string {
  return `${imageId} ${reference}`;
}

/** The Image a row shows: the image as created while it still names the container's image, else the image ID. */
export function shownImage(summary: ContainerSummary, resolved: ResolvedImages): string {
  return resolved.stale.has(imageReferenceKey(summary.image, summary.imageId)) ? summary.imageId : summary.image;
}
