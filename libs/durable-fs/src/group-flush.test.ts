import { describe, expect, it } from "vitest";
import { GroupFlush } from "./group-flush.js";

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
});
