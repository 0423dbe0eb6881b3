import { invalidArgument } from "@slipway/errors";
import type { layerstore } from "@slipway/proto";
import type { Backends } from "../backends.js";
import { boolParam, filtersParam, requireJsonContentType } from "./request.js";
import { sendEmpty, sendJson } from "./responses.js";
import type { Route } from "./router.js";

/** docker volume ls / inspect / create / rm / prune, translated to the orchestrator. */
export function volumeRoutes({ orchestrator }: Backends): Route[] {
  return [
    {
      method: "GET",
      pattern: /^\/volumes$/,
      async handle({ res, query }) {
        const { volumes } = await orchestrator.listVolumes({ filters: filtersParam(query) });
        sendJson(res, 200, { Volumes: volumes.map(volumeJson), Warnings: null });
      },
    },
    {
      method: "POST",
      pattern: /^\/volumes\/create$/,
      async handle({ req, res, body }) {
        requireJsonContentType(req);
        const { volume } = await orchestrator.createVolume(parseCreateBody(body));
        sendJson(res, 201, volumeJson(volume!));
      },
    },
    {
      method: "POST",
      pattern: /^\/volumes\/prune$/,
      async handle({ res, query }) {
        const { volumesDeleted, spaceReclaimed } = await orchestrator.pruneVolumes({ filters: filtersParam(query) });
        sendJson(res, 200, { VolumesDeleted: volumesDeleted, SpaceReclaimed: spaceReclaimed });
      },
    },
    {
      method: "GET",
      pattern: /^\/volumes\/(?<name>[^/]+)$/,
      async handle({ res, params }) {
        const { volume } = await orchestrator.inspectVolume({ name: params.name! });
        sendJson(res, 200, volumeJson(volume!));
      },
    },
    {
      method: "DELETE",
      pattern: /^\/volumes\/(?<name>[^/]+)$/,
      async handle({ res, params, query }) {
        await orchestrator.removeVolume({ name: params.name!, force: boolParam(query, "force") });
        sendEmpty(res, 204);
      },
    },
  ];
}

/** The Volume document of API 1.41, in dockerd's key order; no labels or options are null, as dockerd records them. */
export function volumeJson(volume: layerstore.Volume) {
  return {
    CreatedAt: `${volume.createdAt.slice(0, 19)}Z`,
    Driver: volume.driver,
    Labels: sortedOrNull(volume.labels),
    Mountpoint: volume.mountpoint,
    Name: volume.name,
    Options: sortedOrNull(volume.options),
    Scope: "local",
  };
}

/** A Go map as encoding/json writes it: keys sorted, and null when empty. */
function sortedOrNull(map: Record<string, string>): Record<string, string> | null {
  const keys = Object.keys(map).sort();
  return keys.length === 0 ? null : Object.fromEntries(keys.map((key) => [key, map[key]!]));
}

/** volume.CreateOptions: Name, Driver, DriverOpts, Labels (all optional). */
function parseCreateBody(raw: Buffer) {
  let body: unknown;
  try {
    body = raw.length === 0 ? {} : JSON.parse(raw.toString("utf8"));
  } catch (err) {
    throw invalidArgument(`invalid JSON: ${(err as Error).message}`);
  }
  if (typeof body !== "object" || body === null || Array.isArray(body))
    throw invalidArgument('the body must be a JSON object: {"Name": ..., "Driver": ...}');
  const { Name = "", Driver = "", DriverOpts, Labels } = body as Record<string, unknown>;
  if (typeof Name !== "string" || typeof Driver !== "string") throw invalidArgument("Name and Driver must be strings");
  return { name: Name, driver: Driver, driverOpts: stringMap(DriverOpts, "DriverOpts"), labels: stringMap(Labels, "Labels") };
}

function stringMap(value: unknown, field: string): Record<string, string> {
  if (value === undefined || value === null) return {};
  if (typeof value !== "object" || Array.isArray(value) || Object.values(value).some((v) => typeof v !== "string")) {
    throw invalidArgument(`${field} must map strings to strings`);
  }
  return value as Record<string, string>;
}
