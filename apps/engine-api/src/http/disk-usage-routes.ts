import type { orchestrator } from "@slipway/proto";
import type { Backends } from "../backends.js";
import { sendJsonBytes } from "./responses.js";
import type { Route } from "./router.js";
import { imageSummaryJson } from "./summaries.js";
import { volumeJson } from "./volume-routes.js";

/**
 * `docker system df` (GET /system/df): the orchestrator's disk usage in dockerd 20.10's document. dockerd 20.10
 * reads no query parameter here (the `type` filter came with API 1.42), so none is read.
 */
export function diskUsageRoutes({ orchestrator }: Backends): Route[] {
  return [
    {
      method: "GET",
      pattern: /^\/system\/df$/,
      async handle({ res }) {
        sendJsonBytes(res, 200, diskUsageJson(await orchestrator.getDiskUsage({})));
      },
    },
  ];
}

/** types.DiskUsage in its key order; Slipway builds nothing, so there is no build cache (null, as dockerd has it without one). */
function diskUsageJson(usage: orchestrator.GetDiskUsageResponse): Buffer {
  const images = JSON.stringify(usage.images.map(imageSummaryJson));
  const volumes = JSON.stringify(
    usage.volumes.map(({ volume, size, refCount }) => ({ ...volumeJson(volume!), UsageData: { RefCount: refCount, Size: size } })),
  );
  return Buffer.concat([
    Buffer.from(`{"LayersSize":${usage.layersSize},"Images":${images},"Containers":`),
    // The containers' rows as the orchestrator rendered them for `docker ps -s`, unchanged.
    usage.containersJson,
    Buffer.from(`,"Volumes":${volumes},"BuildCache":null,"BuilderSize":0}`),
  ]);
}
