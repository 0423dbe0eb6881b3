import type { Backends } from "../backends.js";
import { sendEmpty } from "./responses.js";
import type { Route } from "./router.js";

/** docker rename, translated to the orchestrator. */
export function renameRoutes({ orchestrator }: Backends): Route[] {
  return [
    {
      method: "POST",
      pattern: /^\/containers\/(?<id>[^/]+)\/rename$/,
      async handle({ res, params, query }) {
        await orchestrator.renameContainer({ idOrName: params.id!, newName: query.get("name") ?? "" });
        sendEmpty(res, 204);
      },
    },
  ];
}
