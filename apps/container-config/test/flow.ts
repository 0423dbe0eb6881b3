import { randomBytes } from "node:crypto";
import { SlipwayError } from "@slipway/errors";
import type { ContainerConfigClient } from "./harness.js";

export interface SlipwayCreate {
  body: string;
  imageConfig: Buffer;
  imageId: string;
  id: string;
  name: string;
  created?: string;
  apiVersion?: string;
  /** dockerd's MountPoints for the same request: its volume names and _data paths are used, by destination. */
  dockerdMountPoints?: Record<string, { Name: string; Source: string }>;
}

export type SlipwayOutcome =
  | { ok: true; configV2: string; hostConfig: string; warnings: string[]; name: string; volumes: Record<string, string> }
  | { ok: false; kind: string; message: string };

/** What the orchestrator does with container-config for one create: merge, reserve the name, commit. */
export async function createViaSlipway(client: ContainerConfigClient, c: SlipwayCreate): Promise<SlipwayOutcome> {
  try {
    const merged = await client.mergeAndVerify({
      createRequestJson: Buffer.from(c.body),
      imageConfigJson: c.imageConfig,
      containerId: c.id,
      apiVersion: c.apiVersion ?? "1.41",
    });
    const { name } = await client.reserveName({ name: c.name, containerId: c.id });
    const mountPoints = merged.volumes.map(({ destination, name: requested }) => {
      const theirs = c.dockerdMountPoints?.[destination];
      const volumeName = theirs?.Name ?? (requested || randomBytes(32).toString("hex"));
      const source = theirs?.Source || `/var/lib/docker/volumes/${volumeName}/_data`;
      return { destination, volumeName, driver: "local", type: "volume", rw: true, source };
    });
    const committed = await client.commitContainer({ containerId: c.id, name, created: c.created ?? "", imageId: c.imageId, merged, mountPoints });
    const volumes = Object.fromEntries(mountPoints.map((m) => [m.destination, m.volumeName]));
    const record = committed.container!;
    return {
      ok: true,
      configV2: record.configV2Json.toString(),
      hostConfig: record.hostConfigJson.toString(),
      warnings: merged.warnings,
      name,
      volumes,
    };
  } catch (err) {
    if (err instanceof SlipwayError) return { ok: false, kind: err.kind, message: err.message };
    throw err;
  }
}

/** dockerd's status for each error kind, as engine-api maps them. */
export const STATUS_OF_KIND: Record<string, number> = {
  invalid_argument: 400,
  not_found: 404,
  already_exists: 409,
  internal: 500,
  unimplemented: 501,
};
