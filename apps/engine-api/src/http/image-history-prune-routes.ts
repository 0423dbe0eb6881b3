import type { imagestore } from "@slipway/proto";
import type { Backends } from "../backends.js";
import { filtersParam } from "./request.js";
import { sendJson } from "./responses.js";
import type { Route } from "./router.js";
import { imageDeleteJson } from "./summaries.js";

/** docker history and docker image prune, translated to the image store. */
export function imageHistoryPruneRoutes({ imageStore }: Backends): Route[] {
  return [
    {
      method: "POST",
      pattern: /^\/images\/prune$/,
      async handle({ res, query }) {
        const { items, spaceReclaimed } = await imageStore.pruneImages({ filters: filtersParam(query) });
        sendJson(res, 200, { ImagesDeleted: items.length > 0 ? imageDeleteJson(items) : null, SpaceReclaimed: spaceReclaimed });
      },
    },
    {
      method: "GET",
      pattern: /^\/images\/(?<name>.+)\/history$/,
      async handle({ res, params }) {
        const { entries } = await imageStore.getImageHistory({ reference: params.name! });
        sendJson(res, 200, entries.map(historyItemJson));
      },
    },
  ];
}

/** dockerd's HistoryResponseItem: its fields in Go's order, Tags null when the entry has none. */
function historyItemJson(entry: imagestore.ImageHistoryEntry) {
  return {
    Comment: entry.comment,
    Created: entry.created,
    CreatedBy: entry.createdBy,
    Id: entry.id,
    Size: entry.size,
    Tags: entry.tags.length > 0 ? entry.tags : null,
  };
}
