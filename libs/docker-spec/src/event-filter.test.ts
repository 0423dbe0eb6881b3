import { describe, expect, it } from "vitest";
import { eventMatches, type EventFilters } from "./event-filter.js";
import type { EngineEvent } from "./event-log.js";

const CONTAINER_ID = "afa0b92388298c4fedff9c4dfe8d82a26f0308f17cc162c1d09d851e4f030992";
const IMAGE_ID = "sha256:940b1464d1d683c5f702a01060aff7b839da50789f6a8b621a1b839ff263c0c6";

const container: EngineEvent = {
  type: "container",
  action: "create",
  actorId: CONTAINER_ID,
  attributes: { image: "golden:1", name: "demo", tier: "web" },
};
const image: EngineEvent = { type: "image", action: "tag", actorId: IMAGE_ID, attributes: { name: "golden:2", tier: "base" } };
const volume: EngineEvent = { type: "volume", action: "destroy", actorId: "data", attributes: { driver: "local" } };
const ALL = { container, image, volume };

/** Which of the three events the filters let through. */
const through = (filters: EventFilters) => Object.entries(ALL).flatMap(([name, event]) => (eventMatches(filters, event) ? [name] : []));

describe("eventMatches (dockerd's daemon/events filter)", () => {
  it("lets everything through without filters", () => {
    expect(through({})).toEqual(["container", "image", "volume"]);
  });

  it("matches type and event exactly, values of one key or-ed, keys and-ed", () => {
    expect(through({ type: ["volume", "image"] })).toEqual(["image", "volume"]);
    expect(through({ event: ["cre"] })).toEqual([]);
    expect(through({ event: ["create", "destroy"], type: ["container"] })).toEqual(["container"]);
    expect(through({ scope: ["local"] })).toEqual(["container", "image", "volume"]);
    expect(through({ scope: ["swarm"] })).toEqual([]);
  });

  it("matches container and volume by ID or name, in full or as a prefix, and excludes other types", () => {
    expect(through({ container: ["demo"] })).toEqual(["container"]);
    expect(through({ container: ["de"] })).toEqual(["container"]);
    expect(through({ container: [CONTAINER_ID.slice(0, 12)] })).toEqual(["container"]);
    expect(through({ container: ["other"] })).toEqual([]);
    expect(through({ volume: ["dat"] })).toEqual(["volume"]);
  });

  it("matches image by ID, by name as given or without its tag: an image's name, a container's image", () => {
    expect(through({ image: [IMAGE_ID] })).toEqual(["image"]);
    expect(through({ image: ["golden:1"] })).toEqual(["container"]);
    expect(through({ image: ["golden"] })).toEqual(["container", "image"]);
    expect(through({ image: ["docker.io/library/golden"] })).toEqual([]);
  });

  it("matches labels by key or key=value among the attributes, every one required", () => {
    expect(through({ label: ["tier"] })).toEqual(["container", "image"]);
    expect(through({ label: ["tier=web"] })).toEqual(["container"]);
    expect(through({ label: ["tier=web", "name=demo"] })).toEqual(["container"]);
    expect(through({ label: ["tier", "missing"] })).toEqual([]);
  });

  it("matches health_status and exec_* actions as prefixes, as dockerd does", () => {
    const health: EngineEvent = { type: "container", action: "health_status: healthy", actorId: CONTAINER_ID, attributes: {} };
    expect(eventMatches({ event: ["health_status"] }, health)).toBe(true);
    expect(eventMatches({ event: ["health"] }, health)).toBe(false);
  });
});
