import { notFound } from "@slipway/errors";
import { createLogger } from "@slipway/grpc-kit";
import { imagestore } from "@slipway/proto";
import { afterEach, describe, expect, it } from "vitest";
import { ImageResolutions } from "./image-resolutions.js";
import type { Stores } from "./stores.js";

/**
 * An image-store stand-in: resolutions counted (and held back on demand), and a watch the test drives
 * message by message, recording the acknowledgements it gets.
 */
class FakeImages {
  resolves = 0;
  readonly acked: number[] = [];
  private send: ((generation: number) => void) | undefined;
  private cut: ((err: Error) => void) | undefined;
  private holdResolve: Promise<void> | undefined;

  readonly client = {
    resolveImage: async ({ reference }: imagestore.ResolveImageRequest) => {
      this.resolves++;
      await this.holdResolve;
      if (reference.startsWith("gone")) throw notFound(`No such image: ${reference}`);
      return imagestore.ResolveImageResponse.create({ imageId: `sha256:${reference}` });
    },
    watchImages: (acks: AsyncIterable<imagestore.WatchImagesRequest>) => this.watch(acks),
  } as unknown as Stores["images"];

  private async *watch(acks: AsyncIterable<imagestore.WatchImagesRequest>): AsyncIterable<imagestore.WatchImagesResponse> {
    // As over gRPC: a request stream that fails cancels the call, which ends the response stream.
    void (async () => {
      for await (const { appliedGeneration } of acks) this.acked.push(appliedGeneration);
    })().catch(() => this.cutWatch());
    for (;;) {
      const next = await new Promise<number>((resolve, reject) => ((this.send = resolve), (this.cut = reject)));
      yield { generation: next };
    }
  }

  /** Sends a watch message and waits until it is acknowledged. */
  async publish(generation: number): Promise<void> {
    while (!this.send) await tick();
    const send = this.send;
    this.send = undefined;
    send(generation);
    while (!this.acked.includes(generation)) await tick();
  }

  cutWatch(): void {
    this.cut?.(new Error("image-store is unavailable"));
    this.send = undefined;
  }

  holdResolutions(): () => void {
    let release!: () => void;
    this.holdResolve = new Promise((resolve) => (release = resolve));
    return () => ((this.holdResolve = undefined), release());
  }
}

const tick = () => new Promise((resolve) => setTimeout(resolve, 1));
const opts = {};
const started: ImageResolutions[] = [];
afterEach(async () => Promise.all(started.splice(0).map((cache) => cache.stop())));

function cacheOver(images: FakeImages): ImageResolutions {
  const cache = new ImageResolutions(images.client, createLogger("orchestrator", "silent"));
  cache.start();
  started.push(cache);
  return cache;
}

describe("image resolutions", () => {
  it("asks image-store every time until the watch's first message, then once per reference", async () => {
    const images = new FakeImages();
    const cache = cacheOver(images);
    await cache.resolve("golden:1", opts);
    await cache.resolve("golden:1", opts);
    expect(images.resolves).toBe(2);
    await images.publish(1);
    await cache.resolve("golden:1", opts);
    expect((await cache.resolve("golden:1", opts)).imageId).toBe("sha256:golden:1");
    expect(images.resolves).toBe(3);
  });

  it("drops what it holds on every change, and acknowledges the change", async () => {
    const images = new FakeImages();
    const cache = cacheOver(images);
    await images.publish(1);
    await cache.resolve("golden:1", opts);
    await images.publish(2);
    expect(images.acked).toEqual([1, 2]);
    await cache.resolve("golden:1", opts);
    expect(images.resolves).toBe(2);
  });

  it("does not keep an answer that was asked for before a change", async () => {
    const images = new FakeImages();
    const cache = cacheOver(images);
    await images.publish(1);
    const release = images.holdResolutions();
    const early = cache.resolve("golden:1", opts);
    await images.publish(2);
    release();
    await early;
    await cache.resolve("golden:1", opts);
    expect(images.resolves).toBe(2);
  });

  it("keeps a NOT_FOUND answer too, until the next change, and has a version that changes with every change", async () => {
    const images = new FakeImages();
    const cache = cacheOver(images);
    expect(cache.version).not.toBe(cache.version); // not watched yet: nothing stays current
    await images.publish(1);
    const watched = cache.version;
    expect(cache.version).toBe(watched);
    for (const _ of [1, 2])
      await expect(cache.resolve("gone:1", opts)).rejects.toMatchObject({ kind: "not_found", message: "No such image: gone:1" });
    expect(images.resolves).toBe(1);
    await images.publish(2);
    expect(cache.version).not.toBe(watched);
    await expect(cache.resolve("gone:1", opts)).rejects.toMatchObject({ kind: "not_found" });
    expect(images.resolves).toBe(2);
  });

  it("caches nothing once the watch is cut, until a new watch's first message", async () => {
    const images = new FakeImages();
    const cache = cacheOver(images);
    await images.publish(1);
    await cache.resolve("golden:1", opts);
    images.cutWatch();
    await tick();
    await cache.resolve("golden:1", opts);
    await cache.resolve("golden:1", opts);
    expect(images.resolves).toBe(3);
    await images.publish(5);
    await cache.resolve("golden:1", opts);
    await cache.resolve("golden:1", opts);
    expect(images.resolves).toBe(4);
  });
});
