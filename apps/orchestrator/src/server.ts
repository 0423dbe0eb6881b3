import { orchestratorDefinition, service, type Logger, type ServiceRegistration } from "@slipway/grpc-kit";
import type { containerconfig } from "@slipway/proto";
import { containerChanges, exportContainer } from "./container-filesystem.js";
import { readContainerPath, statContainerPath, writeContainerPath } from "./container-paths.js";
import { sizedListJson } from "./container-sizes.js";
import type { ContainerCreator } from "./create.js";
import type { EventWatches } from "./events.js";
import { DiskUsage } from "./disk-usage.js";
import { inspectContainer } from "./inspect.js";
import type { ListedImages } from "./listed-images.js";
import type { Reconciler } from "./reconciler.js";
import { ContainerPruner } from "./prune.js";
import { removeContainer } from "./remove.js";
import type { Stores } from "./stores.js";
import type { VolumeService } from "./volumes.js";

export interface Domain {
  readonly stores: Stores;
  readonly creator: ContainerCreator;
  readonly reconciler: Reconciler;
  readonly volumes: VolumeService;
  readonly events: EventWatches;
  readonly listedImages: ListedImages;
  readonly logger: Logger;
}

const EMPTY_QUERY: containerconfig.ListContainersRequest = { filters: {}, all: false, limit: 0 };

/** The OrchestratorService adapter: proto in, domain call with the caller's context, proto out. */
export function orchestratorService(domain: Domain): ServiceRegistration {
  const { stores, creator, reconciler, volumes, events, listedImages, logger } = domain;
  const diskUsage = new DiskUsage(stores, listedImages);
  const containerPruner = new ContainerPruner(stores, volumes, logger);
  return service(orchestratorDefinition, {
    createContainer: async (request, ctx) => {
      const { id, warnings } = await creator.create(request, { parent: ctx });
      return { id, warnings };
    },
    inspectContainer: async (request, ctx) => ({
      inspectJson: Buffer.from(await inspectContainer(stores, logger, request, { parent: ctx })),
    }),
    listContainers: async ({ query = EMPTY_QUERY }, ctx) => {
      const withImages = await listedImages.queryFor(query, { parent: ctx });
      const { containers } = await stores.containers.listContainers(withImages, { parent: ctx });
      return { containers };
    },
    // Passed through chunk by chunk: the orchestrator never holds the whole list.
    listContainersJson: async function* ({ query = EMPTY_QUERY, size }, ctx) {
      const withImages = await listedImages.queryFor(query, { parent: ctx });
      if (size) {
        for await (const chunk of sizedListJson(stores, withImages, { parent: ctx })) yield { chunk };
        return;
      }
      for await (const { chunk } of stores.containers.listContainersJson({ query: withImages }, { parent: ctx })) yield { chunk };
    },
    getListVersion: async (_request, ctx) => ({ listVersion: await listedImages.listVersion({ parent: ctx }) }),
    removeContainer: async (request, ctx) => {
      await removeContainer(stores, volumes, logger, request, { parent: ctx });
      return {};
    },
    renameContainer: async ({ idOrName, newName }, ctx) => {
      await stores.containers.renameContainer({ idOrName, newName }, { parent: ctx });
      return {};
    },
    pruneContainers: async ({ filters }, ctx) => containerPruner.prune(filters, { parent: ctx }),
    pruneNetworks: async ({ filters }) => {
      await containerPruner.pruneNetworks(valuesOf(filters));
      return {};
    },
    exportContainer: async function* ({ idOrName }, ctx) {
      for await (const chunk of exportContainer(stores, idOrName, { parent: ctx })) yield { chunk };
    },
    getContainerChanges: async ({ idOrName }, ctx) => ({ changes: await containerChanges(stores, idOrName, { parent: ctx }) }),
    statContainerPath: async (request, ctx) => statContainerPath(stores, request, { parent: ctx }),
    readContainerPath: (request, ctx) => readContainerPath(stores, request, { parent: ctx }),
    writeContainerPath: async (requests, ctx) => {
      await writeContainerPath(stores, requests, { parent: ctx });
      return {};
    },
    getReconcilerStatus: async () => reconciler.snapshot(),
    listVolumes: async ({ filters }, ctx) => ({ volumes: await volumes.list(valuesOf(filters), { parent: ctx }) }),
    inspectVolume: async ({ name }, ctx) => ({ volume: await volumes.inspect(name, { parent: ctx }) }),
    createVolume: async (request, ctx) => ({ volume: await volumes.create(request, { parent: ctx }) }),
    removeVolume: async ({ name, force }, ctx) => {
      await volumes.remove(name, force, { parent: ctx });
      return {};
    },
    pruneVolumes: async ({ filters }, ctx) => volumes.prune(valuesOf(filters), { parent: ctx }),
    watchEvents: (request, ctx) => events.watch(request, ctx),
    getDiskUsage: async (_request, ctx) => diskUsage.report({ parent: ctx }),
  });
}

const valuesOf = (filters: Record<string, { values: string[] }>) =>
  Object.fromEntries(Object.entries(filters).map(([key, list]) => [key, list.values]));
