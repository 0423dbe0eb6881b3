import { chainIds } from "@slipway/docker-spec";
import { describe, expect, it } from "vitest";
import { checkDataRoot } from "./checks.js";
import type { DataRootSnapshot } from "./data-root.js";

const hex = (c: string) => c.repeat(64);
const DIFF_IDS = [`sha256:${hex("1")}`, `sha256:${hex("2")}`];
const [BASE, TOP] = chainIds(DIFF_IDS) as [string, string];
const CONTAINER = hex("c");
const [BASE_DIR, TOP_DIR, MOUNT_DIR] = [hex("a"), hex("b"), hex("d")];

/** A data root with one image of two layers and one container of it with an anonymous volume: all consistent. */
function consistent(): DataRootSnapshot {
  return {
    containers: [
      { id: CONTAINER, config: { ID: CONTAINER, Name: "/demo", MountPoints: { "/data": { Type: "volume", Name: "v1" } } }, hasHostConfig: true },
    ],
    mounts: [{ containerId: CONTAINER, mountId: MOUNT_DIR, initId: `${MOUNT_DIR}-init`, parent: TOP }],
    layers: [
      { chainId: BASE, cacheId: BASE_DIR, diffId: DIFF_IDS[0], parent: undefined },
      { chainId: TOP, cacheId: TOP_DIR, diffId: DIFF_IDS[1], parent: BASE },
    ],
    overlayDirs: [
      { id: BASE_DIR, link: "LBASE", lower: [], hasDiff: true },
      { id: TOP_DIR, link: "LTOP", lower: ["l/LBASE"], hasDiff: true },
      { id: `${MOUNT_DIR}-init`, link: "LINIT", lower: ["l/LTOP", "l/LBASE"], hasDiff: true },
      { id: MOUNT_DIR, link: "LMOUNT", lower: ["l/LINIT", "l/LTOP", "l/LBASE"], hasDiff: true },
    ],
    links: new Map([
      ["LBASE", `../${BASE_DIR}/diff`],
      ["LTOP", `../${TOP_DIR}/diff`],
      ["LINIT", `../${MOUNT_DIR}-init/diff`],
      ["LMOUNT", `../${MOUNT_DIR}/diff`],
    ]),
    volumes: [{ name: "v1", hasData: true, provisional: false }],
    images: [{ id: `sha256:${hex("e")}`, diffIds: DIFF_IDS }],
    references: new Map([["golden:1", `sha256:${hex("e")}`]]),
    leftovers: [],
  };
}

const problemsOf = (root: DataRootSnapshot) => checkDataRoot(root).problems.map((p) => `${p.check}: ${p.subject}: ${p.detail}`);

describe("fsck's checks", () => {
  it("find nothing wrong with a consistent data root, and count what they looked at", () => {
    const report = checkDataRoot(consistent());
    expect(report.problems).toEqual([]);
    expect(report.checked).toEqual({ containers: 1, "rw layers": 1, layers: 2, "overlay dirs": 4, links: 4, volumes: 1, images: 1, leftovers: 0 });
  });

  it("report a container without its RW layer, and the RW layer's directories as orphans", () => {
    expect(problemsOf({ ...consistent(), mounts: [] })).toEqual([
      "containers: container cccccccccccc: has no RW layer (no layerdb/mounts record)",
      `overlay dirs: overlay2/dddddddddddd-init: no layer or RW layer uses it (orphan)`,
      `overlay dirs: overlay2/dddddddddddd: no layer or RW layer uses it (orphan)`,
    ]);
  });

  it("report what a failed create leaves: an RW layer of no container and its provisional volume", () => {
    const root = { ...consistent(), containers: [], volumes: [{ name: "v1", hasData: true, provisional: true }] };
    expect(problemsOf(root)).toEqual([
      "rw layers: RW layer of cccccccccccc: belongs to no container (orphan)",
      "volumes: volume v1: made for a create that never committed, and no container mounts it (orphan)",
    ]);
  });

  it("report broken references: a missing volume, parent layer, layer directory, link, lower layer and image", () => {
    // The base layer's record, the top layer's directory and the base layer's link are gone.
    const root = consistent();
    const broken: DataRootSnapshot = {
      ...root,
      volumes: [],
      layers: [root.layers[1]!],
      overlayDirs: root.overlayDirs.filter((d) => d.id !== TOP_DIR),
      links: new Map([...root.links].filter(([link]) => link !== "LBASE")),
      references: new Map([["gone:1", `sha256:${hex("f")}`]]),
    };
    expect(problemsOf(broken)).toEqual([
      "containers: container cccccccccccc: mounts volume v1 at /data, which is missing",
      "images: image eeeeeeeeeeee: its layer 111111111111 is missing",
      "images: gone:1: names image ffffffffffff, which is missing",
      `layers: layer ${TOP.slice(7, 19)}: its directory overlay2/bbbbbbbbbbbb is missing`,
      `layers: layer ${TOP.slice(7, 19)}: its parent layer 111111111111 is missing`,
      "overlay dirs: overlay2/aaaaaaaaaaaa: no layer or RW layer uses it (orphan)",
      "overlay dirs: overlay2/aaaaaaaaaaaa: its link l/LBASE is missing",
      "overlay dirs: overlay2/dddddddddddd-init: its lower layer l/LBASE is missing",
      "overlay dirs: overlay2/dddddddddddd: its lower layer l/LBASE is missing",
      "links: l/LTOP: points at no layer (dangling)",
    ]);
  });

  it("report duplicate names, unreadable records and leftovers of interrupted writes", () => {
    const root = consistent();
    const other = hex("9");
    const broken: DataRootSnapshot = {
      ...root,
      containers: [
        ...root.containers,
        { id: other, config: { ID: other, Name: "/demo" }, hasHostConfig: false },
        { id: hex("8"), config: undefined, hasHostConfig: true },
      ],
      leftovers: ["containers/.tmp-x"],
    };
    expect(problemsOf(broken)).toEqual([
      "containers: container 999999999999: hostconfig.json is missing",
      "containers: container 999999999999: has no RW layer (no layerdb/mounts record)",
      "containers: container 999999999999: has the name /demo of container cccccccccccc too",
      "containers: container 888888888888: config.v2.json is missing or not JSON",
      "leftovers: containers/.tmp-x: left by an interrupted write or removal",
    ]);
  });
});
