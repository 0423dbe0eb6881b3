import type { ImageConfig } from "./image-config.js";

/** An image as image-store holds it in memory: the exact config bytes and what was parsed from them. */
export interface ImageRecord {
  /** "sha256:<hex>", the sha256 of configBytes. */
  readonly id: string;
  readonly configBytes: Buffer;
  readonly config: ImageConfig;
}

/** The images by ID, with the short-ID prefix search of dockerd's digest set. */
export class ImageIndex {
  private readonly images = new Map<string, ImageRecord>();

  get(id: string): ImageRecord | undefined {
    return this.images.get(id);
  }

  has(id: string): boolean {
    return this.images.has(id);
  }

  get size(): number {
    return this.images.size;
  }

  add(record: ImageRecord): void {
    this.images.set(record.id, record);
  }

  delete(id: string): void {
    this.images.delete(id);
  }

  all(): ImageRecord[] {
    return [...this.images.values()];
  }

  /**
   * dockerd's digest-set search: the image whose ID starts with a hex prefix ("6982…" or "sha256:6982…"),
   * "ambiguous" when several do, undefined when the term is not hex or nothing matches.
   */
  searchPrefix(term: string): ImageRecord | "ambiguous" | undefined {
    const hex = term.startsWith("sha256:") ? term.slice("sha256:".length) : term;
    if (!/^[a-f0-9]{1,64}$/.test(hex)) return undefined;
    const found = [...this.images.values()].filter((image) => image.id.startsWith(`sha256:${hex}`));
    return found.length > 1 ? "ambiguous" : found[0];
  }
}
