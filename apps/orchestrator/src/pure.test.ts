import { ConfigError } from "@slipway/grpc-kit";
import { describe, expect, it } from "vitest";
import { loadOrchestratorConfig } from "./config.js";
import { InFlightCreates } from "./in-flight.js";
import { anonymousVolumesOf } from "./remove.js";
import { rfc3339Nano, rfc3339NanoNow } from "./time.js";

describe("rfc3339Nano", () => {
  it("writes Go's RFC3339Nano: nanoseconds, trailing zeros trimmed, Z", () => {
    const at = new Date("2026-11-28T06:37:31.882Z");
    expect(rfc3339Nano(at, 212_933)).toBe("2026-11-28T06:37:31.882212933Z");
    expect(rfc3339Nano(new Date("2026-11-28T06:37:38.110Z"))).toBe("2026-11-28T06:37:38.11Z");
    expect(rfc3339Nano(new Date("2026-11-28T06:37:38.000Z"))).toBe("2026-11-28T06:37:38Z");
    expect(rfc3339NanoNow()).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d{1,9})?Z$/);
  });
});

describe("reconciler settings", () => {
  it("has documented defaults and reads seconds from the environment", () => {
    expect(loadOrchestratorConfig({})).toEqual({ intervalMs: 30_000, graceMs: 600_000, storeWaitMs: 15_000 });
    expect(
      loadOrchestratorConfig({ SLIPWAY_RECONCILE_INTERVAL_SECONDS: "0", SLIPWAY_RECONCILE_GRACE_SECONDS: "1.5", SLIPWAY_STORE_WAIT_SECONDS: "0" }),
    ).toEqual({ intervalMs: 0, graceMs: 1500, storeWaitMs: 0 });
  });
  it("names a bad value and what to use", () => {
    expect(() => loadOrchestratorConfig({ SLIPWAY_RECONCILE_GRACE_SECONDS: "-1" })).toThrow(ConfigError);
    expect(() => loadOrchestratorConfig({ SLIPWAY_RECONCILE_INTERVAL_SECONDS: "soon" })).toThrow(
      /SLIPWAY_RECONCILE_INTERVAL_SECONDS: "soon" is not a number of seconds/,
    );
  });
});

describe("InFlightCreates", () => {
  it("tracks a create's container and volumes until it ends", () => {
    const inFlight = new InFlightCreates();
    inFlight.begin("c1");
    inFlight.addVolume("c1", "v1");
    expect([inFlight.hasContainer("c1"), inFlight.hasVolume("v1")]).toEqual([true, true]);
    inFlight.end("c1");
    expect([inFlight.hasContainer("c1"), inFlight.hasVolume("v1")]).toEqual([false, false]);
  });
});

describe("InFlightCreates and volume removals", () => {
  it("makes a create that wants a volume wait until its removal ends, and counts every create sharing a named volume", async () => {
    const inFlight = new InFlightCreates();
    let finishRemoval!: () => void;
    const removal = inFlight.removingVolume("v", () => new Promise<void>((resolve) => (finishRemoval = resolve)));
    let claimed = false;
    const claim = inFlight.useVolume("c1", "v").then(() => (claimed = true));
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect([claimed, inFlight.hasVolume("v")]).toEqual([false, false]);
    finishRemoval();
    await Promise.all([removal, claim]);
    inFlight.addVolume("c2", "v");
    expect(inFlight.usersOf("v")).toEqual(["c1", "c2"]);
    inFlight.end("c1");
    expect(inFlight.usersOf("v")).toEqual(["c2"]);
    inFlight.end("c2");
    expect(inFlight.hasVolume("v")).toBe(false);
  });

  it("lets a create through after a removal that failed", async () => {
    const inFlight = new InFlightCreates();
    await expect(inFlight.removingVolume("v", () => Promise.reject(new Error("in use")))).rejects.toThrow("in use");
    await inFlight.useVolume("c1", "v");
    expect(inFlight.usersOf("v")).toEqual(["c1"]);
  });
});

describe("anonymousVolumesOf", () => {
  it("picks the volumes of MountPoints whose Spec names no source, not binds or named volumes", () => {
    const [anonymous, fromMounts, namedHex] = ["a", "b", "c"].map((c) => c.repeat(64));
    const config = {
      MountPoints: {
        "/data": { Type: "volume", Name: anonymous, Spec: {} },
        "/m": { Type: "volume", Name: fromMounts, Spec: { Type: "volume", Target: "/m" } },
        "/named": { Type: "volume", Name: "mydata", Spec: { Type: "volume", Source: "mydata", Target: "/named" } },
        "/hex": { Type: "volume", Name: namedHex, Spec: { Type: "volume", Source: namedHex, Target: "/hex" } },
        "/srv": { Type: "bind", Name: "", Spec: { Type: "bind", Source: "/srv", Target: "/srv" } },
      },
    };
    expect(anonymousVolumesOf(Buffer.from(JSON.stringify(config)))).toEqual([anonymous, fromMounts]);
    expect(anonymousVolumesOf(Buffer.from('{"MountPoints":null}'))).toEqual([]);
  });
});
