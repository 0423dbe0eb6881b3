import { randomBytes } from "node:crypto";
import { isNotFound, type SlipwayError } from "@slipway/errors";
import type { CallOpts, Logger } from "@slipway/grpc-kit";
import type { imagestore } from "@slipway/proto";
import { RequestStream } from "./request-stream.js";
import type { Stores } from "./stores.js";

/** Beyond this many references, the cache starts again empty rather than grow with every name ever created from. */
const MAX_CACHED = 1_000;
/** Between a cut watch and the next subscription: image-store may be restarting. */
const RESUBSCRIBE_MS = 500;

/** A ResolveImage answer kept: the image, or the NOT_FOUND a reference that names none got. */
type Resolution = imagestore.ResolveImageResponse | SlipwayError;

/**
 * ResolveImage answers kept for creates and lists, current through image-store's WatchImages stream:
 * image-store answers a change (a load, tag, removal or pull) only once this cache has acknowledged
 * dropping what it held, so a client that changed an image and then creates from it never gets the
 * old one. Without a live watch (before its first message, or once it is cut) nothing is cached and
 * every resolution asks image-store.
 */
export class ImageResolutions {
  private readonly cached = new Map<string, Resolution>();
  private live = false;
  /** A new series per start: a version handed out before a restart never matches one after it. */
  private readonly series = randomBytes(6).toString("hex");
  private versionsWhileUnwatched = 0;
  /** Counts the cache's drops: a resolution that started before one must not be stored after it. */
  private drops = 0;
  private acks: RequestStream<imagestore.WatchImagesRequest> | undefined;
  private stopped = false;
  private watching: Promise<void> | undefined;

  constructor(
    private readonly images: Stores["images"],
    private readonly logger: Logger,
  ) {}

  /** The image a reference names; with a platform ("linux/arm64"), one that serves it. */
  async resolve(reference: string, opts: CallOpts, platform = ""): Promise<imagestore.ResolveImageResponse> {
    // A space can be in neither a reference nor a platform.
    const key = platform === "" ? reference : `${reference} ${platform}`;
    const hit = this.cached.get(key);
    if (hit instanceof Error) throw hit;
    if (hit) return hit;
    const dropsBefore = this.drops;
    try {
      const resolved = await this.images.resolveImage({ reference, platform }, opts);
      if (this.live && this.drops === dropsBefore) this.store(key, resolved);
      return resolved;
    } catch (err) {
      // Every list asks again about a reference whose image went, for as long as a container shows it.
      if (isNotFound(err) && this.live && this.drops === dropsBefore) this.store(key, err);
      throw err;
    }
  }

  /**
   * Changes whenever image-store reported a change (so an answer kept from before may be wrong); without a
   * live watch, a new value every time.
   */
  get version(): string {
    return this.live ? `${this.series}.${this.drops}` : `${this.series}.unwatched.${++this.versionsWhileUnwatched}`;
  }

  /** Subscribes, and subscribes again whenever the watch is cut, until stop(). */
  start(): void {
    this.watching ??= this.watchUntilStopped();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    this.acks?.cancel();
    await this.watching;
  }

  private store(key: string, resolved: Resolution): void {
    if (this.cached.size >= MAX_CACHED) this.cached.clear();
    this.cached.set(key, resolved);
  }

  private drop(): void {
    this.cached.clear();
    this.drops++;
  }

  private async watchUntilStopped(): Promise<void> {
    while (!this.stopped) {
      try {
        await this.watch();
      } catch (err) {
        if (!this.stopped) this.logger.debug({ err: (err as Error).message }, "image watch cut; resolving every image until it is back");
      }
      this.live = false;
      this.drop();
      if (!this.stopped) await new Promise((resolve) => setTimeout(resolve, RESUBSCRIBE_MS).unref());
    }
  }

  /** Every message says something may have changed (the first: that caching may start): drop, then acknowledge. */
  private async watch(): Promise<void> {
    const acks = new RequestStream<imagestore.WatchImagesRequest>();
    this.acks = acks;
    try {
      for await (const { generation } of this.images.watchImages(acks, {})) {
        this.drop();
        this.live = !this.stopped;
        acks.push({ appliedGeneration: generation });
      }
    } finally {
      acks.cancel();
    }
  }
}
