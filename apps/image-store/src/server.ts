import { imageStoreDefinition, service, type CallContext, type ServiceRegistration } from "@slipway/grpc-kit";
import type { imagestore } from "@slipway/proto";
import { eventsOf } from "./async-queue.js";
import { inspectDocument } from "./domain/documents.js";
import type { ImageService } from "./domain/image-service.js";
import type { LoadEvent } from "./domain/load-events.js";
import { listImages } from "./domain/list.js";
import { removeImage } from "./domain/remove.js";
import { saveImages } from "./domain/save.js";

/** The gRPC adapter: proto messages in and out, everything else in the domain. */
export function imageStoreService(images: ImageService): ServiceRegistration {
  return service(imageStoreDefinition, {
    loadImages: (requests, ctx) => loadImages(images, requests, ctx),
    async *saveImages({ references }, ctx) {
      for await (const chunk of saveImages(images, references, ctx)) yield { chunk };
    },
    async resolveImage({ reference }, ctx) {
      const image = await images.resolve(reference, ctx);
      const { os, architecture, variant } = image.config;
      return {
        imageId: image.id,
        configJson: image.configBytes,
        layers: image.config.diffIds.map((diffId, i) => ({ diffId, chainId: image.config.chainIds[i]! })),
        topChainId: image.config.chainIds.at(-1) ?? "",
        platform: { os, architecture, variant },
        size: image.size,
        repoTags: image.repoTags,
        repoDigests: image.repoDigests,
      };
    },
    async getImage({ reference }, ctx) {
      return { inspectJson: Buffer.from(inspectDocument(await images.resolve(reference, ctx), images.deps.paths.dataRoot)) };
    },
    async listImages({ filters }, ctx) {
      const rows = await listImages(images, Object.fromEntries(Object.entries(filters).map(([k, v]) => [k, v.values])), ctx);
      return { images: rows.map((row) => ({ ...row, parentId: "", containers: -1 })) };
    },
    async tagImage({ source, target, tag }) {
      await images.tag(source, target, tag);
      return {};
    },
    async removeImage({ reference, force }, ctx) {
      return { items: await removeImage(images, reference, force, ctx) };
    },
  });
}

async function* loadImages(images: ImageService, requests: AsyncIterable<imagestore.LoadImagesRequest>, ctx: CallContext) {
  async function* chunks() {
    for await (const { chunk } of requests) yield chunk;
  }
  for await (const event of eventsOf<LoadEvent>((push) => images.load(chunks(), push, ctx))) yield toResponse(event);
}

function toResponse(event: LoadEvent): imagestore.LoadImagesResponse {
  switch (event.kind) {
    case "progress":
      return { progress: { digest: event.digest, current: event.current, total: event.total } };
    case "notice":
      return { notice: event.text };
    case "loaded":
      return { loaded: { imageId: event.imageId, repoTags: [...event.repoTags], message: event.message } };
  }
}
