import { invalidArgument } from "@slipway/errors";
import { containerConfigDefinition, service, type ServiceRegistration } from "@slipway/grpc-kit";
import type { containerconfig } from "@slipway/proto";
import type { ContainerConfigService, StoredContainer } from "./container-config.js";

const toRecord = (c: StoredContainer): containerconfig.ContainerRecord => ({
  id: c.id,
  names: [...c.names],
  configV2Json: Buffer.from(c.configV2),
  hostConfigJson: Buffer.from(c.hostConfig),
  links: c.links,
});

const EMPTY_QUERY: containerconfig.ListContainersRequest = { filters: {}, all: false, limit: 0 };

const filtersOf = (query: containerconfig.ListContainersRequest) =>
  Object.fromEntries(Object.entries(query.filters).map(([key, list]) => [key, list.values]));

/** The gRPC adapter: proto messages to domain calls and back. */
export function containerConfigHandlers(domain: ContainerConfigService): ServiceRegistration {
  return service(containerConfigDefinition, {
    async mergeAndVerify(request) {
      const merged = domain.mergeAndVerify(request);
      return {
        configJson: Buffer.from(merged.configJson),
        hostConfigJson: Buffer.from(merged.hostConfigJson),
        networkingConfigJson: Buffer.from(merged.networksJson),
        path: merged.path,
        args: merged.args,
        warnings: merged.warnings,
        volumes: merged.volumes,
      };
    },
    async reserveName(request) {
      return { name: domain.reserveName(request.name, request.containerId) };
    },
    async releaseName(request) {
      domain.releaseName(request.name, request.containerId);
      return {};
    },
    async commitContainer(request) {
      const merged = request.merged;
      if (!merged) throw invalidArgument("CommitContainer needs `merged` (the MergeAndVerify response)");
      for (const m of request.mountPoints) {
        if (m.type !== "" && m.type !== "volume")
          throw invalidArgument(`mount point ${m.destination}: only volumes are committed here, got type "${m.type}"`);
      }
      const stored = await domain.commit({
        id: request.containerId,
        name: request.name,
        created: request.created,
        imageId: request.imageId,
        merged: {
          configJson: merged.configJson.toString("utf8"),
          hostConfigJson: merged.hostConfigJson.toString("utf8"),
          networksJson: merged.networkingConfigJson.toString("utf8"),
          path: merged.path,
          args: merged.args,
        },
        volumes: request.mountPoints.map((m) => ({
          destination: m.destination,
          name: m.volumeName,
          driver: m.driver || "local",
          rw: m.rw,
          source: m.source,
        })),
      });
      return { container: toRecord(stored) };
    },
    async getContainer(request) {
      return { container: toRecord(domain.get(request.idOrName)) };
    },
    async listContainers(request) {
      const rows = domain.list(filtersOf(request), request.all, request.limit);
      return { containers: rows.map((row) => ({ ...row, names: [...row.names], ports: [], networksJson: Buffer.from(row.networksJson) })) };
    },
    async *listContainersJson({ query = EMPTY_QUERY }) {
      for (const chunk of domain.listJsonChunks(filtersOf(query), query.all, query.limit)) yield { chunk };
    },
    async getListVersion() {
      return { listVersion: domain.listVersion };
    },
    async deleteContainer(request) {
      const { removed, volumesInUse } = await domain.delete(request.idOrName);
      return { container: toRecord(removed), volumesInUse };
    },
  });
}
