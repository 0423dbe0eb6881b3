import { invalidArgument } from "@slipway/errors";
import { containerConfigDefinition, service, untilReady, type ServiceRegistration } from "@slipway/grpc-kit";
import type { containerconfig } from "@slipway/proto";
import type { CommitRequest, ContainerConfigService, StoredContainer } from "./container-config.js";
import { recordSession, type RecordStep } from "./record-session.js";
import { imageReferenceKey, type ResolvedImages } from "./resolved-images.js";

const toRecord = (c: StoredContainer): containerconfig.ContainerRecord => ({
  id: c.id,
  names: [...c.names],
  configV2Json: Buffer.from(c.configV2),
  hostConfigJson: Buffer.from(c.hostConfig),
  links: c.links,
});

const EMPTY_QUERY: containerconfig.ListContainersRequest = { filters: {}, all: false, limit: 0 };

const filtersOf = (query: { filters: Record<string, { values: string[] }> }) =>
  Object.fromEntries(Object.entries(query.filters).map(([key, list]) => [key, list.values]));

function resolvedImagesOf({ resolvedImages }: containerconfig.ListContainersRequest): ResolvedImages {
  return {
    stale: new Set(resolvedImages?.staleReferences.map(({ reference, imageId }) => imageReferenceKey(reference, imageId))),
    ancestorImageIds: resolvedImages?.ancestorImageIds && new Set(resolvedImages.ancestorImageIds.values),
  };
}

async function* recordSteps(requests: AsyncIterable<containerconfig.CreateContainerRecordRequest>): AsyncIterable<RecordStep> {
  for await (const { prepare, commit } of requests) yield { prepare, commit: commit && commitRequestOf(commit) };
}

function commitRequestOf(request: containerconfig.CommitContainerRequest): CommitRequest {
  for (const m of request.mountPoints) {
    if (m.type !== "" && m.type !== "volume")
      throw invalidArgument(`mount point ${m.destination}: only volumes are committed here, got type "${m.type}"`);
  }
  return {
    id: request.containerId,
    created: request.created,
    imageId: request.imageId,
    volumes: request.mountPoints.map((m) => ({
      destination: m.destination,
      name: m.volumeName,
      driver: m.driver || "local",
      rw: m.rw,
      source: m.source,
    })),
  };
}

/** The gRPC adapter: proto messages to domain calls and back. */
export function containerConfigHandlers(domain: ContainerConfigService): ServiceRegistration {
  const recovered = untilReady(() => domain.recovered, "container-config is still loading its records; retry shortly");
  return service(
    containerConfigDefinition,
    {
      // gRPC cuts the call when its connection goes or its deadline passes, so a caller that dies never
      // leaves a prepared container behind.
      async *createContainerRecord(requests, ctx) {
        yield* recordSession(domain, recordSteps(requests), ctx.signal);
      },
      async getContainer(request) {
        await domain.settled(request.idOrName);
        const container = domain.get(request.idOrName);
        return { container: toRecord(container), volumesInUse: domain.volumesMountedByOthers(container.id) };
      },
      async listContainers(request) {
        const rows = domain.list(filtersOf(request), request.all, request.limit, resolvedImagesOf(request));
        return { containers: rows.map((row) => ({ ...row, names: [...row.names], ports: [], networksJson: Buffer.from(row.networksJson) })) };
      },
      async *listContainersJson({ query = EMPTY_QUERY }) {
        for (const chunk of domain.listJsonChunks(filtersOf(query), query.all, query.limit, resolvedImagesOf(query))) yield { chunk };
      },
      async getListVersion() {
        return { listVersion: domain.listVersion };
      },
      async listImageReferences() {
        return { references: domain.imageReferences() };
      },
      async renameContainer({ idOrName, newName }) {
        await domain.rename(idOrName, newName);
        return {};
      },
      async listContainersToPrune(request) {
        return { ids: domain.containersToPrune(filtersOf(request)) };
      },
      watchEvents: (request, ctx) => domain.events.log.watch(request, ctx.signal),
      async deleteContainer(request) {
        const { removed, volumesInUse } = await domain.delete(request.idOrName);
        return { container: toRecord(removed), volumesInUse };
      },
    },
    { middleware: [recovered] },
  );
}
