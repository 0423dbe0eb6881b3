import { notFound, unavailable } from "@slipway/errors";
import { createLogger } from "@slipway/grpc-kit";
import { containerconfig, layerstore } from "@slipway/proto";
import { beforeEach, describe, expect, it } from "vitest";
import { InFlightCreates } from "./in-flight.js";
import { Reconciler, type ReconcilerStores } from "./reconciler.js";
import { rfc3339Nano } from "./time.js";

// The reconciler's grace logic against in-memory stores (the calls a pass makes, answering with the
// real ts-proto messages and the stores' NOT_FOUND) and a clock the test moves by hand.

const GRACE_MS = 600_000;
const START = Date.parse("2026-12-06T10:00:00Z");
const hex = (c: string) => c.repeat(64);

/** The layer store's RW layers and volumes and container-config's records, in memory. */
class FakeStores implements ReconcilerStores {
  readonly rwLayers = new Map<string, layerstore.RWLayer>();
  readonly volumes = new Map<string, layerstore.Volume>();
  readonly records = new Map<string, containerconfig.ContainerSummary>();
  /** Records ListContainers leaves out: committed after the list was taken. */
  readonly unlisted = new Set<string>();
  /** What layer-store would call abandoned (their creators' leases lapsed), and how long it cannot tell yet. */
  readonly abandoned = new Set<string>();
  undecidedForMs = 0;
  /** When set, every call fails with it (a store that is down). */
  failure: Error | undefined;
  readonly calls: string[] = [];

  readonly layers: ReconcilerStores["layers"] = {
    listRwLayers: async () => {
      this.enter("listRwLayers");
      return { rwLayers: [...this.rwLayers.values()] };
    },
    listVolumes: async () => {
      this.enter("listVolumes");
      return { volumes: [...this.volumes.values()] };
    },
    releaseRwLayer: async ({ containerId }) => {
      this.enter(`releaseRwLayer ${containerId}`);
      if (!this.rwLayers.delete(containerId)) throw notFound(`no RW layer for ${containerId}`);
      return { deletedChainIds: [] };
    },
    keepVolumes: async ({ names }) => {
      this.enter(`keepVolumes ${names.join(" ")}`);
      const notFound = names.filter((name) => !this.volumes.has(name));
      for (const name of names) if (this.volumes.has(name)) this.volumes.get(name)!.kept = true;
      return { notFound };
    },
    removeVolume: async ({ name }) => {
      this.enter(`removeVolume ${name}`);
      if (!this.volumes.delete(name)) throw notFound(`no such volume: ${name}`);
      return { size: 0 };
    },
    findAbandoned: async ({ containerIds, volumeNames }) => {
      this.enter("findAbandoned");
      const abandoned = (names: string[]) => names.filter((name) => this.abandoned.has(name));
      return { containerIds: abandoned(containerIds), volumeNames: abandoned(volumeNames), undecidedForMs: this.undecidedForMs };
    },
  };

  readonly containers: ReconcilerStores["containers"] = {
    listContainers: async ({ filters }) => {
      this.enter("listContainers");
      // The pass's full list misses the unlisted records; the later one-volume query (asked just before a removal) sees them.
      const volume = filters.volume?.values[0];
      if (volume !== undefined) return { containers: [...this.records.values()].filter((c) => c.mounts.some((m) => m.name === volume)) };
      return { containers: [...this.records.values()].filter((c) => !this.unlisted.has(c.id)) };
    },
    getContainer: async ({ idOrName }) => {
      this.enter(`getContainer ${idOrName}`);
      const record = this.records.get(idOrName);
      if (!record) throw notFound(`No such container: ${idOrName}`);
      return { container: containerconfig.ContainerRecord.create({ id: record.id, names: record.names }), volumesInUse: [] };
    },
  };

  private enter(call: string): void {
    if (this.failure) throw this.failure;
    this.calls.push(call);
  }

  /** An RW layer as CreateRWLayer leaves it (before the record is committed). */
  addRwLayer(containerId: string): void {
    this.rwLayers.set(
      containerId,
      layerstore.RWLayer.create({ containerId, mountId: hex("m"), initId: `${hex("m")}-init`, parentChainId: `sha256:${hex("p")}` }),
    );
  }

  /** A volume created at `createdAtMs`; `kept` once its create committed (or for a named volume). */
  addVolume(name: string, createdAtMs: number, kept = false): void {
    const createdAt = rfc3339Nano(new Date(createdAtMs));
    this.volumes.set(name, layerstore.Volume.create({ name, mountpoint: `/var/lib/docker/volumes/${name}/_data`, driver: "local", createdAt, kept }));
  }

  /** A committed container record, mounting these volumes. */
  addRecord(id: string, mountedVolumes: string[] = []): void {
    const mounts = mountedVolumes.map((name) =>
      containerconfig.MountSummary.create({ type: "volume", name, destination: `/${name.slice(0, 4)}`, driver: "local", rw: true }),
    );
    this.records.set(
      id,
      containerconfig.ContainerSummary.create({ id, names: [`/c-${id.slice(0, 4)}`], state: "created", status: "Created", mounts }),
    );
  }
}

let stores: FakeStores;
let inFlight: InFlightCreates;
let clock: number;
let reconciler: Reconciler;

beforeEach(() => {
  stores = new FakeStores();
  inFlight = new InFlightCreates();
  clock = START;
  reconciler = new Reconciler(stores, inFlight, createLogger("orchestrator", "silent"), { graceMs: GRACE_MS, now: () => clock });
});

/** Moves the clock to `ms` after START and runs one pass. */
async function passAt(ms: number) {
  clock = START + ms;
  return reconciler.run();
}

describe("the reconciler's grace period for RW layers no record names", () => {
  it("keeps an orphan until it has been one for the grace period, counted from the first pass that saw it, then releases it", async () => {
    const orphan = hex("a");
    stores.addRwLayer(orphan);
    expect(await passAt(0)).toMatchObject({ runs: 1, releasedRwLayers: 0, lastError: "" });
    expect(await passAt(GRACE_MS - 1)).toMatchObject({ runs: 2, releasedRwLayers: 0 });
    expect(stores.rwLayers.has(orphan)).toBe(true);
    expect(stores.calls).not.toContain(`releaseRwLayer ${orphan}`);

    const status = await passAt(GRACE_MS);
    expect(status).toMatchObject({ runs: 3, releasedRwLayers: 1, containersMissingRwLayer: [], lastError: "" });
    expect(status.lastRunAt).toBe(new Date(START + GRACE_MS).toISOString());
    expect(stores.rwLayers.has(orphan)).toBe(false);
    // It asked for the one record before releasing (the list may be stale).
    expect(stores.calls.slice(-2)).toEqual([`getContainer ${orphan}`, `releaseRwLayer ${orphan}`]);
  });

  it("starts each orphan's clock at the first pass that sees it, whatever the clock says later", async () => {
    const early = hex("a");
    const late = hex("b");
    stores.addRwLayer(early);
    await passAt(0);
    stores.addRwLayer(late); // a create that died after the first pass
    await passAt(GRACE_MS / 2);
    expect(await passAt(GRACE_MS)).toMatchObject({ releasedRwLayers: 1 });
    expect([...stores.rwLayers.keys()]).toEqual([late]);
    expect(await passAt(GRACE_MS / 2 + GRACE_MS - 1)).toMatchObject({ releasedRwLayers: 1 });
    expect(await passAt(GRACE_MS / 2 + GRACE_MS)).toMatchObject({ releasedRwLayers: 2 });
    expect(stores.rwLayers.size).toBe(0);
  });

  it("never releases the layer of a container that has its record, or whose record the stale list missed", async () => {
    const committed = hex("a");
    const committedMeanwhile = hex("b");
    stores.addRwLayer(committed);
    stores.addRecord(committed);
    stores.addRwLayer(committedMeanwhile);
    stores.addRecord(committedMeanwhile);
    stores.unlisted.add(committedMeanwhile);
    await passAt(0);
    expect(await passAt(10 * GRACE_MS)).toMatchObject({ releasedRwLayers: 0, containersMissingRwLayer: [] });
    expect([...stores.rwLayers.keys()].sort()).toEqual([committed, committedMeanwhile]);
    expect(stores.calls).toContain(`getContainer ${committedMeanwhile}`);
    expect(stores.calls).not.toContain(`getContainer ${committed}`);
  });

  it("never releases the layer of an in-flight create, and counts its grace from the first pass after the create ended", async () => {
    const creating = hex("c");
    inFlight.begin(creating);
    stores.addRwLayer(creating);
    await passAt(0);
    expect(await passAt(10 * GRACE_MS)).toMatchObject({ runs: 2, releasedRwLayers: 0 });
    expect(stores.calls).not.toContain(`getContainer ${creating}`);

    inFlight.end(creating); // failed, and its rollback could not release the layer
    expect(await passAt(11 * GRACE_MS)).toMatchObject({ releasedRwLayers: 0 });
    expect(await passAt(12 * GRACE_MS - 1)).toMatchObject({ releasedRwLayers: 0 });
    expect(await passAt(12 * GRACE_MS)).toMatchObject({ releasedRwLayers: 1 });
    expect(stores.rwLayers.has(creating)).toBe(false);
  });

  it("forgets an orphan that gains its record: should it lose it again, its grace starts over", async () => {
    const id = hex("d");
    stores.addRwLayer(id);
    await passAt(0);
    stores.addRecord(id); // the commit landed after all
    await passAt(GRACE_MS / 2);
    stores.records.delete(id);
    await passAt(GRACE_MS);
    expect(await passAt(2 * GRACE_MS - 1)).toMatchObject({ releasedRwLayers: 0 });
    expect(await passAt(2 * GRACE_MS)).toMatchObject({ releasedRwLayers: 1 });
  });
});

describe("the reconciler's grace period for anonymous volumes", () => {
  const young = hex("1");
  const old = hex("2");

  it("keeps one younger than the grace period, by its own creation time, and removes one older", async () => {
    stores.addVolume(young, START - GRACE_MS + 1);
    stores.addVolume(old, START - GRACE_MS);
    expect(await passAt(0)).toMatchObject({ runs: 1, removedVolumes: 1 });
    expect([...stores.volumes.keys()]).toEqual([young]); // 1 ms short of the grace period
    expect(await passAt(1)).toMatchObject({ removedVolumes: 2 });
    expect(stores.volumes.size).toBe(0);
  });

  it("never removes one an in-flight create uses, a kept one, a named one, or one a container mounts (which it marks kept)", async () => {
    const creating = hex("3");
    const kept = hex("4");
    const mounted = hex("5");
    inFlight.begin(hex("c"));
    inFlight.addVolume(hex("c"), creating);
    stores.addVolume(creating, START - 10 * GRACE_MS);
    stores.addVolume(kept, START - 10 * GRACE_MS, true);
    stores.addVolume("data", START - 10 * GRACE_MS);
    stores.addVolume(mounted, START - 10 * GRACE_MS);
    stores.addRwLayer(hex("e"));
    stores.addRecord(hex("e"), [mounted]);

    expect(await passAt(0)).toMatchObject({ removedVolumes: 0 });
    expect([...stores.volumes.keys()].sort()).toEqual([creating, kept, mounted, "data"].sort());
    expect(stores.calls.filter((c) => c.startsWith("keepVolumes"))).toEqual([`keepVolumes ${mounted}`]);
    expect(stores.volumes.get(mounted)?.kept).toBe(true);

    // Once the create ends without keeping its volume, the volume is old enough to go at once.
    inFlight.end(hex("c"));
    expect(await passAt(1)).toMatchObject({ removedVolumes: 1 });
    expect(stores.volumes.has(creating)).toBe(false);
  });
});

describe("what dead orchestrators' creates left (their leases lapsed)", () => {
  it("goes at once, without the grace period; what layer-store cannot judge yet is asked about again soon", async () => {
    const [abandonedLayer, otherLayer, abandonedVolume] = [hex("a"), hex("b"), hex("1")];
    stores.addRwLayer(abandonedLayer);
    stores.addRwLayer(otherLayer);
    stores.addVolume(abandonedVolume, START);
    stores.abandoned.add(abandonedLayer).add(abandonedVolume);
    stores.undecidedForMs = 4_000;
    expect(await passAt(0)).toMatchObject({ releasedRwLayers: 1, removedVolumes: 1, recheckInMs: 4_000 });
    expect([...stores.rwLayers.keys()]).toEqual([otherLayer]);
    expect(stores.volumes.size).toBe(0);
    // A volume whose create committed after the pass's list is kept, however abandoned layer-store calls it.
    const committedLate = hex("2");
    stores.addVolume(committedLate, START);
    stores.addRecord(hex("c"), [committedLate]);
    stores.unlisted.add(hex("c"));
    stores.abandoned.add(committedLate);
    await passAt(1);
    expect(stores.volumes.has(committedLate)).toBe(true);
    // Nothing left to judge: no recheck, and the other orphan waits for its grace period.
    stores.abandoned.clear();
    stores.rwLayers.delete(otherLayer);
    stores.undecidedForMs = 0;
    expect(await passAt(2)).toMatchObject({ recheckInMs: 0 });
  });
});

describe("the reconciler's status", () => {
  it("counts totals, reports containers whose RW layer is missing, and records a failed pass until one succeeds", async () => {
    const layerless = hex("f");
    stores.addRecord(layerless);
    stores.addRwLayer(hex("a"));
    stores.addVolume(hex("1"), START - GRACE_MS);
    expect(await passAt(0)).toEqual({
      runs: 1,
      lastRunAt: new Date(START).toISOString(),
      releasedRwLayers: 0,
      removedVolumes: 1,
      containersMissingRwLayer: [layerless],
      lastError: "",
      recheckInMs: 0,
    });

    stores.failure = unavailable("layer-store is unavailable at unix:/run/layer-store.sock");
    const failed = await passAt(GRACE_MS);
    expect(failed).toMatchObject({
      runs: 2,
      releasedRwLayers: 0,
      removedVolumes: 1,
      lastError: "layer-store is unavailable at unix:/run/layer-store.sock",
    });
    expect(failed.lastRunAt).toBe(new Date(START + GRACE_MS).toISOString());
    // The orphan's grace runs from the first pass that saw it, across the failed one.
    stores.failure = undefined;
    stores.records.delete(layerless);
    expect(await passAt(GRACE_MS + 1)).toEqual({
      runs: 3,
      lastRunAt: new Date(START + GRACE_MS + 1).toISOString(),
      releasedRwLayers: 1,
      removedVolumes: 1,
      containersMissingRwLayer: [],
      lastError: "",
      recheckInMs: 0,
    });
    expect(reconciler.snapshot()).toMatchObject({ runs: 3, releasedRwLayers: 1 });
  });

  it("hands out copies: a caller's changes do not reach the reconciler", async () => {
    stores.addRecord(hex("f"));
    const status = await passAt(0);
    status.containersMissingRwLayer.push("x");
    status.runs = 99;
    expect(reconciler.snapshot()).toMatchObject({ runs: 1, containersMissingRwLayer: [hex("f")] });
  });
});
