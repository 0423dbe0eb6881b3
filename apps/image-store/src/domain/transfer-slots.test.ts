import { describe, expect, it } from "vitest";
import { TransferSlots } from "./transfer-slots.js";

describe("TransferSlots", () => {
  it("lets `limit` transfers run, queues the rest in order and tells each that it waits", async () => {
    const slots = new TransferSlots(2);
    const signal = new AbortController().signal;
    const waited: string[] = [];
    const started: string[] = [];
    const take = (name: string) => slots.acquire(signal, () => waited.push(name)).then((release) => (started.push(name), release));
    const first = await take("a");
    await take("b");
    const third = take("c");
    const fourth = take("d");
    expect(waited).toEqual(["c", "d"]);
    first();
    first(); // a second release frees nothing more
    await third;
    expect(started).toEqual(["a", "b", "c"]);
    (await third)();
    await fourth;
    expect(started).toEqual(["a", "b", "c", "d"]);
  });

  it("drops a waiter whose signal aborts, and refuses an aborted one at once", async () => {
    const slots = new TransferSlots(1);
    const release = await slots.acquire(new AbortController().signal, () => undefined);
    const stop = new AbortController();
    const waiting = slots.acquire(stop.signal, () => undefined);
    stop.abort(new Error("gone"));
    await expect(waiting).rejects.toThrow("gone");
    await expect(slots.acquire(stop.signal, () => undefined)).rejects.toThrow("gone");
    release();
    const next = await slots.acquire(new AbortController().signal, () => expect.unreachable("a slot is free"));
    next();
  });
});
