import { describe, expect, it } from "vitest";
import { CreatorLeases, LEASE_TTL_MS } from "./creator-leases.js";

function clock() {
  let time = 1_000_000;
  return { now: () => time, advance: (ms: number) => (time += ms) };
}

describe("creator leases", () => {
  it("make what a create left abandoned once its creator's lease lapses, and what the caller's own creates left at once", () => {
    const { now, advance } = clock();
    const leases = new CreatorLeases(now);
    leases.renew("dead");
    leases.renew("alive");
    leases.recordCreated("dead", "c1", ["v1"]);
    leases.recordCreated("alive", "c2", ["v2"]);
    const query = { containerIds: ["c1", "c2"], volumeNames: ["v1", "v2"], leaseId: "other" };
    expect(leases.findAbandoned(query)).toEqual({ containerIds: [], volumeNames: [], undecidedForMs: LEASE_TTL_MS });
    advance(LEASE_TTL_MS / 2);
    leases.renew("alive");
    advance(LEASE_TTL_MS / 2 + 1);
    // c2 and v2 wait for "alive" (renewed half a TTL ago): ask again when its lease would run out.
    expect(leases.findAbandoned(query)).toEqual({ containerIds: ["c1"], volumeNames: ["v1"], undecidedForMs: LEASE_TTL_MS / 2 - 1 });
    expect(leases.findAbandoned({ ...query, leaseId: "alive" })).toEqual({
      containerIds: ["c1", "c2"],
      volumeNames: ["v1", "v2"],
      undecidedForMs: 0,
    });
  });

  it("judge what was made before the start (no known creator) only one TTL after it, when no other lease is live", () => {
    const { now, advance } = clock();
    const leases = new CreatorLeases(now);
    leases.renew("caller");
    const query = { containerIds: ["old"], volumeNames: ["old-volume"], leaseId: "caller" };
    expect(leases.findAbandoned(query)).toEqual({ containerIds: [], volumeNames: [], undecidedForMs: LEASE_TTL_MS });
    advance(LEASE_TTL_MS / 2);
    leases.renew("other");
    advance(LEASE_TTL_MS / 2 + 1);
    expect(leases.findAbandoned(query)).toMatchObject({ containerIds: [], volumeNames: [] });
    advance(LEASE_TTL_MS);
    expect(leases.findAbandoned(query)).toEqual({ containerIds: ["old"], volumeNames: ["old-volume"], undecidedForMs: 0 });
  });

  it("treat a creator it never saw renew, after the start's TTL, as gone; forget what is released", () => {
    const { now, advance } = clock();
    const leases = new CreatorLeases(now);
    leases.recordCreated("never-renewed", "c1", []);
    advance(LEASE_TTL_MS + 1);
    expect(leases.findAbandoned({ containerIds: ["c1"], volumeNames: [], leaseId: "x" }).containerIds).toEqual(["c1"]);
    leases.renew("x");
    leases.renew("y");
    leases.recordCreated("y", "c1", []);
    expect(leases.findAbandoned({ containerIds: ["c1"], volumeNames: [], leaseId: "x" }).containerIds).toEqual([]);
    expect(leases.findAbandoned({ containerIds: ["c1"], volumeNames: [], leaseId: "y" }).containerIds).toEqual(["c1"]);
    // Forgotten, it has no known creator: with another lease live, it is nobody's to remove.
    leases.forget(["c1"], []);
    expect(leases.findAbandoned({ containerIds: ["c1"], volumeNames: [], leaseId: "y" }).containerIds).toEqual([]);
    expect(() => leases.renew("")).toThrow("RenewLease needs a lease ID");
  });

  it("leave what a creator without a lease made to the grace period", () => {
    const { now, advance } = clock();
    const leases = new CreatorLeases(now);
    leases.recordCreated("", "c1", ["v1"]);
    advance(LEASE_TTL_MS * 2);
    expect(leases.findAbandoned({ containerIds: ["c1"], volumeNames: ["v1"], leaseId: "caller" })).toMatchObject({
      containerIds: [],
      volumeNames: [],
    });
  });
});
