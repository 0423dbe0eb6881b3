import { describe, expect, it } from "vitest";
import { GroupFlush } from "./group-flush.js";

/** A GroupFlush whose flushes record their items and end only when the test releases them, in order. */
function heldFlush(maxInFlight?: number) {
  const started: number[][] = [];
  const releases: (() => void)[] = [];
  const flush = new GroupFlush<number>((items) => {
    started.push(items);
    return new Promise<void>((resolve) => releases.push(resolve));
  }, maxInFlight);
  return { flush, started, releases };
}

describe("GroupFlush", () => {
  it("serves every request that arrived during a flush with one following flush", async () => {
    const batches: number[][] = [];
    let release!: () => void;
    let gate = new Promise<void>((resolve) => (release = resolve));
    const flush = new GroupFlush<number>(async (items) => {
      batches.push(items);
      await gate;
    });
    const first = flush.request([1]);
    const waiting = [flush.request([2]), flush.request([3]), flush.request()];
    expect(batches).toEqual([[1]]);
    const next = gate;
    gate = Promise.resolve();
    release();
    await next;
    await Promise.all([first, ...waiting]);
    expect(batches).toEqual([[1], [2, 3]]);
  });

  it("rejects the callers of a failed flush and keeps serving later ones", async () => {
    let fail = true;
    const flush = new GroupFlush<string>(async () => {
      if (fail) throw new Error("EIO");
    });
    await expect(flush.request(["a"])).rejects.toThrow("EIO");
    fail = false;
    await expect(flush.request(["b"])).resolves.toBeUndefined();
  });

  it("with maxInFlight 2, starts a second flush at once for a request that arrives during the first, and groups the rest behind them", async () => {
    const { flush, started: batches, releases } = heldFlush(2);
    const answered: number[] = [];
    const track = (n: number) => flush.request([n]).then(() => answered.push(n));
    const requests = [track(1), track(2), track(3), track(4)];
    expect(batches).toEqual([[1], [2]]);
    releases[0]!();
    await new Promise((r) => setImmediate(r));
    expect(answered).toEqual([1]);
    expect(batches).toEqual([[1], [2], [3, 4]]);
    releases[1]!();
    releases[2]!();
    await Promise.all(requests);
    expect(answered).toEqual([1, 2, 3, 4]);
  });

  it("starts the next flush before it answers the callers of the one that ended", async () => {
    const { flush, started, releases } = heldFlush();
    let seenByFirstCaller: number[][] = [];
    const first = flush.request([1]).then(() => (seenByFirstCaller = [...started]));
    const second = flush.request([2]);
    releases[0]!();
    await first;
    expect(seenByFirstCaller).toEqual([[1], [2]]);
    releases[1]!();
    await second;
  });
});
