import type { containerconfig, imagestore } from "@slipway/proto";

/** A row of GET /containers/json in Go's `types.Container` key order. */
export function containerSummaryJson(c: containerconfig.ContainerSummary) {
  return {
    Id: c.id,
    // The CLI prints each name without its first byte and crashes on "" (api/README.md #9).
    Names: c.names.filter((n) => n !== "").map((n) => (n.startsWith("/") ? n : `/${n}`)),
    Image: c.image,
    ImageID: c.imageId,
    Command: c.command,
    Created: c.created,
    Ports: c.ports.map((p) => ({
      ...(p.ip ? { IP: p.ip } : {}),
      PrivatePort: p.privatePort,
      ...(p.publicPort ? { PublicPort: p.publicPort } : {}),
      Type: p.type,
    })),
    Labels: c.labels,
    State: c.state,
    Status: c.status,
    HostConfig: { NetworkMode: c.networkMode },
    // Kept by container-config from config.v2.json, already in the list's shape and Go's key order.
    NetworkSettings: { Networks: JSON.parse(c.networksJson.toString("utf8") || "{}") as Record<string, unknown> },
    Mounts: c.mounts.map((m) => ({
      Type: m.type,
      ...(m.name ? { Name: m.name } : {}),
      Source: m.source,
      Destination: m.destination,
      ...(m.driver ? { Driver: m.driver } : {}),
      Mode: m.mode,
      RW: m.rw,
      Propagation: m.propagation,
    })),
  };
}

/** A row of GET /images/json as dockerd 20.10 writes it (keys sorted, null for absent lists). */
export function imageSummaryJson(i: imagestore.ImageSummary) {
  const dangling = i.repoTags.length === 0 && i.repoDigests.length === 0;
  return {
    Containers: i.containers,
    Created: i.created,
    Id: i.id,
    Labels: Object.keys(i.labels).length > 0 ? i.labels : null,
    ParentId: i.parentId,
    RepoDigests: dangling ? ["<none>@<none>"] : nullIfEmpty(i.repoDigests),
    RepoTags: dangling ? ["<none>:<none>"] : nullIfEmpty(i.repoTags),
    SharedSize: -1,
    Size: i.size,
    VirtualSize: i.size,
  };
}

/** The body of DELETE /images/{name}: what was untagged and deleted, in order. */
export function imageDeleteJson(items: readonly imagestore.ImageDeleteItem[]) {
  return items.map((item) => (item.untagged !== undefined ? { Untagged: item.untagged } : { Deleted: item.deleted ?? "" }));
}

function nullIfEmpty<T>(list: readonly T[]): readonly T[] | null {
  return list.length > 0 ? list : null;
}
