import { describe, expect, it } from "vitest";
import { SlipwayError } from "@slipway/errors";
import { ACK_DEADLINE_MS, ImageChanges, type StartTimer } from "./image-changes.js";

/** Timers that expire only when the test says so. */
class FakeTimers {
  readonly started: { ms: number; expire: () => void; cancelled: boolean }[] = [];
  readonly start: StartTimer = (ms, expire) => {
    const timer = { ms, expire, cancelled: false };
    this.started.push(timer);
    return () => (timer.cancelled = true);
  };

  expireRunning(): void {
    for (const timer of this.started.filter((t) => !t.cancelled)) timer.expire();
  }
}

/** A WatchImages subscriber without gRPC: its acknowledgements, what it received, and how its stream ended. */
class FakeSubscriber {
  readonly received: number[] = [];
  readonly ended: Promise<string>;
  private readonly acks: number[] = [];
  private acksClosed = false;
  private wake: (() => void) | undefined;
  private readonly controller = new AbortController();

  constructor(changes: ImageChanges, options: { acknowledgeAll?: boolean } = {}) {
    this.ended = (async () => {
      try {
        for await (const generation of changes.watch(this.acknowledgements(), this.controller.signal)) {
          this.received.push(generation);
          if (options.acknowledgeAll) this.acknowledge(generation);
        }
        return "ended";
      } catch (err) {
        return err instanceof SlipwayError ? `${err.kind}: ${err.message}` : String(err);
      }
    })();
  }

  acknowledge(generation: number): void {
    this.acks.push(generation);
    this.notify();
  }

  /** The subscriber ends its side of the stream. */
  stopAcknowledging(): void {
    this.acksClosed = true;
    this.notify();
  }

  /** The subscriber cancels the call. */
  cancel(): void {
    this.controller.abort();
  }

  private async *acknowledgements(): AsyncIterable<number> {
    for (;;) {
      while (this.acks.length > 0) yield this.acks.shift()!;
      if (this.acksClosed) return;
      await new Promise<void>((resolve) => (this.wake = resolve));
    }
  }

  private notify(): void {
    this.wake?.();
    this.wake = undefined;
  }
}

/** Whether a promise settles once pending callbacks have run. */
async function settles(promise: Promise<unknown>): Promise<boolean> {
  return Promise.race([promise.then(() => true), new Promise<boolean>((resolve) => setTimeout(() => resolve(false), 10))]);
}

const turn = () => new Promise((resolve) => setImmediate(resolve));

/** ImageChanges on fake timers, with subscribers (acknowledging everything, or only when told) that got their first message. */
async function watched(...acknowledgeAll: boolean[]) {
  const timers = new FakeTimers();
  const changes = new ImageChanges(timers.start);
  const subscribers = acknowledgeAll.map((all) => new FakeSubscriber(changes, { acknowledgeAll: all }));
  await turn();
  return { timers, changes, subscribers };
}

describe("ImageChanges", () => {
  it("sends the current generation first, starting at 1", async () => {
    const { changes, subscribers } = await watched(true);
    const early = subscribers[0]!;
    await changes.publish();
    const late = new FakeSubscriber(changes);
    await turn();
    expect(early.received).toEqual([1, 2]);
    expect(late.received).toEqual([2]);
  });

  it("answers a change at once without subscribers, still counting it", async () => {
    const { timers, changes } = await watched();
    expect(await settles(changes.publish())).toBe(true);
    expect(timers.started).toEqual([]);
    const subscriber = new FakeSubscriber(changes);
    await turn();
    expect(subscriber.received).toEqual([2]);
  });

  it("holds a change until the subscriber acknowledges its generation, then cancels the deadline", async () => {
    const { timers, changes, subscribers } = await watched(false);
    const subscriber = subscribers[0]!;
    const published = changes.publish();
    expect(await settles(published)).toBe(false);
    expect(subscriber.received).toEqual([1, 2]);
    subscriber.acknowledge(1);
    expect(await settles(published)).toBe(false);
    subscriber.acknowledge(2);
    expect(await settles(published)).toBe(true);
    expect(timers.started).toMatchObject([{ ms: ACK_DEADLINE_MS, cancelled: true }]);
  });

  it("waits for every subscriber, each change for its own generation; an acknowledgement covers the ones before it", async () => {
    const { changes, subscribers } = await watched(true, false);
    const [quick, slow] = subscribers as [FakeSubscriber, FakeSubscriber];
    const second = changes.publish();
    const third = changes.publish();
    await turn();
    expect(slow.received).toEqual([1, 2, 3]);
    slow.acknowledge(2);
    expect(await settles(second)).toBe(true);
    expect(await settles(third)).toBe(false);
    const fourth = changes.publish();
    slow.acknowledge(4);
    expect(await settles(Promise.all([third, fourth]))).toBe(true);
    expect(quick.received).toEqual([1, 2, 3, 4]);
  });

  it("cuts a subscriber that misses the deadline with UNAVAILABLE, answers the change, and no longer waits for it", async () => {
    const { timers, changes, subscribers } = await watched(false, true);
    const [stuck, healthy] = subscribers as [FakeSubscriber, FakeSubscriber];
    const published = changes.publish();
    expect(await settles(published)).toBe(false);
    timers.expireRunning();
    expect(await settles(published)).toBe(true);
    expect(await stuck.ended).toBe(
      "unavailable: image-store ended the watch: image generation 2 was not acknowledged within 2000 ms; drop the cache and watch again",
    );
    expect(await settles(changes.publish())).toBe(true);
    expect(healthy.received).toEqual([1, 2, 3]);
  });

  it("does not cut a subscriber for a generation it acknowledged in time", async () => {
    const { timers, changes, subscribers } = await watched(false);
    const subscriber = subscribers[0]!;
    const second = changes.publish();
    subscriber.acknowledge(2);
    await second;
    const third = changes.publish();
    timers.started[0]!.expire();
    subscriber.acknowledge(3);
    await third;
    expect(await settles(subscriber.ended)).toBe(false);
  });

  it("removes a subscriber that cancels at once: the change waiting for it answers, the next does not wait", async () => {
    const { timers, changes, subscribers } = await watched(false);
    const leaving = subscribers[0]!;
    const published = changes.publish();
    leaving.cancel();
    expect(await settles(published)).toBe(true);
    expect(await leaving.ended).toBe("ended");
    expect(await settles(changes.publish())).toBe(true);
    expect(timers.started).toHaveLength(1);
  });

  it("removes a subscriber that ends its acknowledgements", async () => {
    const { changes, subscribers } = await watched(false);
    const leaving = subscribers[0]!;
    const published = changes.publish();
    leaving.stopAcknowledging();
    expect(await settles(published)).toBe(true);
    expect(await leaving.ended).toBe("ended");
  });

  it("refuses an acknowledgement of a generation never sent", async () => {
    const { subscribers } = await watched(false);
    const subscriber = subscribers[0]!;
    subscriber.acknowledge(7);
    expect(await subscriber.ended).toBe("invalid_argument: applied_generation 7 was never sent (the newest sent is 1)");
  });
});
