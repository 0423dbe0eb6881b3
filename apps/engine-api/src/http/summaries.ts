import type { imagestore } from "@slipway/proto";

/** A row of GET /images/json (and of GET /system/df's Images) as dockerd 20.10 writes it (keys sorted, null for absent lists). */
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
    SharedSize: i.sharedSize,
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
