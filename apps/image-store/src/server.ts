import { goJson } from "@slipway/docker-spec";
import { imageStoreDefinition, service, type CallContext, type ServiceRegistration } from "@slipway/grpc-kit";
import type { imagestore, types } from "@slipway/proto";
import { INDEX_SERVER, type AuthConfig, type RegistryClient } from "@slipway/registry-client";
import { eventsOf } from "./async-queue.js";
import { inspectDocument } from "./domain/documents.js";
import { imageHistory } from "./domain/history.js";
import { chainLinks } from "./domain/image-config.js";
import type { ImageService } from "./domain/image-service.js";
import type { LoadEvent } from "./domain/load-events.js";
import { listImages } from "./domain/list.js";
import { loginToRegistry } from "./domain/login.js";
import type { Progress, ProgressSink } from "./domain/progress.js";
import { ImagePruner } from "./domain/prune.js";
import { pullImage } from "./domain/pull.js";
import { pushImage } from "./domain/push.js";
import { removeImage } from "./domain/remove.js";
import { saveImages } from "./domain/save.js";

/** The gRPC adapter: proto messages in and out, everything else in the domain. */
export function imageStoreService(images: ImageService, registry: RegistryClient): ServiceRegistration {
  const pruner = new ImagePruner(images);
  return service(imageStoreDefinition, {
    loadImages: (requests, ctx) => loadImages(images, requests, ctx),
    async *saveImages({ references }, ctx) {
      for await (const chunk of saveImages(images, references, ctx)) yield { chunk };
    },
    async resolveImage({ reference, platform }, ctx) {
      const image = await images.resolve(reference, ctx, platform ?? "");
      const { os, architecture, variant } = image.config;
      return {
        imageId: image.id,
        configJson: image.configBytes,
        layers: chainLinks(image.config),
        topChainId: image.config.chainIds.at(-1) ?? "",
        platform: { os, architecture, variant },
        size: image.size,
        repoTags: image.repoTags,
        repoDigests: image.repoDigests,
      };
    },
    watchImages: (requests, ctx) => watchImages(images, requests, ctx),
    watchEvents: (request, ctx) => images.deps.events.log.watch(request, ctx.signal),
    async getImage({ reference }, ctx) {
      return { inspectJson: Buffer.from(inspectDocument(await images.resolve(reference, ctx), images.deps.paths.dataRoot)) };
    },
    async listImages({ filters }, ctx) {
      const rows = await listImages(images, filterValues(filters), ctx);
      return { images: rows.map((row) => ({ ...row, parentId: "", containers: -1, sharedSize: -1 })) };
    },
    async getImageHistory({ reference }, ctx) {
      return { entries: imageHistory(await images.resolve(reference, ctx)).map((entry) => ({ ...entry, tags: [...entry.tags] })) };
    },
    async tagImage({ source, target, tag }) {
      await images.tag(source, target, tag);
      return {};
    },
    async removeImage({ reference, force }, ctx) {
      return { items: await removeImage(images, reference, force, ctx) };
    },
    async pruneImages({ filters }, ctx) {
      const { items, spaceReclaimed } = await pruner.prune(filterValues(filters), ctx);
      return { items, spaceReclaimed };
    },
    pullImage: ({ reference, tag, platform, auth }, ctx) =>
      progressStream((emit) => pullImage(images, registry, { reference, tag, platform, auth: authConfigOf(auth) }, emit, ctx)),
    pushImage: ({ reference, auth }, ctx) =>
      progressStream((emit) => pushImage(images, registry, { reference, auth: authConfigOf(auth) }, emit, ctx)),
    async login({ auth }, ctx) {
      const { status, identityToken } = await loginToRegistry(registry, authConfigOf(auth), ctx.signal);
      return { status, identityToken };
    },
    async getRegistryConfig() {
      return { registryConfigJson: Buffer.from(goJson(registry.serviceConfig())), indexServerAddress: INDEX_SERVER };
    },
  });
}

/** Docker's filters as each key to its values. */
function filterValues(filters: Record<string, types.StringList>): Record<string, string[]> {
  return Object.fromEntries(Object.entries(filters).map(([key, list]) => [key, list.values]));
}

/** X-Registry-Auth's fields as the registry client takes them; empty ones left out. */
function authConfigOf(auth: imagestore.RegistryAuth | undefined): AuthConfig {
  const fields = {
    username: auth?.username,
    password: auth?.password,
    identitytoken: auth?.identityToken,
    registrytoken: auth?.registryToken,
    serveraddress: auth?.serverAddress,
  };
  return Object.fromEntries(Object.entries(fields).filter(([, value]) => value)) as AuthConfig;
}

async function* progressStream(work: (emit: ProgressSink) => Promise<void>): AsyncIterable<{ progress: imagestore.ProgressMessage }> {
  for await (const progress of eventsOf<Progress>(work)) yield { progress: toProgressMessage(progress) };
}

function toProgressMessage({ id, status, current, total, retryInSeconds, pushResult }: Progress): imagestore.ProgressMessage {
  return {
    id,
    status,
    current: current ?? 0,
    total: total ?? 0,
    ...(retryInSeconds !== undefined ? { retryInSeconds } : {}),
    ...(pushResult !== undefined ? { pushResult: { ...pushResult } } : {}),
  };
}

async function* loadImages(images: ImageService, requests: AsyncIterable<imagestore.LoadImagesRequest>, ctx: CallContext) {
  async function* chunks() {
    for await (const { chunk } of requests) yield chunk;
  }
  for await (const event of eventsOf<LoadEvent>((push) => images.load(chunks(), push, ctx))) yield toResponse(event);
}

async function* watchImages(images: ImageService, requests: AsyncIterable<imagestore.WatchImagesRequest>, ctx: CallContext) {
  async function* acknowledgements() {
    for await (const { appliedGeneration } of requests) yield appliedGeneration;
  }
  for await (const generation of images.deps.changes.watch(acknowledgements(), ctx.signal)) yield { generation };
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
