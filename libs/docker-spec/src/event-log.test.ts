import { describe, expect, it } from "vitest";
import { EventLog, EVENTS_KEPT, type EngineEvent, type EventTime } from "./event-log.js";

class FellBehindError extends Error {}

/** A log whose clock the test sets: each publish happens at the next whole second unless told otherwise. */
function logAt(options: { kept?: number; queueLimit?: number } = {}) {
  let seconds = 1000;
  const log = new EventLog({ fellBehind: (message) => new FellBehindError(message), now: () => ({ seconds: seconds++, nanos: 0 }), ...options });
  const publish = (id: string) => log.publish("volume", "create", id, { driver: "local" });
  return { log, publish };
}

const ids = (events: readonly EngineEvent[]) => events.map((e) => e.actorId);

async function next<T>(iterator: AsyncIterator<T>): Promise<T> {
  const result = await iterator.next();
  if (result.done) throw new Error("the stream ended");
  return result.value;
}

describe("EventLog", () => {
  it("keeps dockerd's 256 newest events for replay, oldest first", () => {
    const { log, publish } = logAt();
    for (let i = 0; i < EVENTS_KEPT + 10; i++) publish(`v${i}`);
    const kept = log.replay(undefined);
    expect(kept).toHaveLength(256);
    expect(kept[0]!.actorId).toBe("v10");
    expect(kept.at(-1)!.actorId).toBe(`v${EVENTS_KEPT + 9}`);
  });

  it("replays from `since` on, inclusive", () => {
    const { log, publish } = logAt();
    ["a", "b", "c"].forEach(publish);
    expect(ids(log.replay({ seconds: 1001, nanos: 0 }))).toEqual(["b", "c"]);
    expect(ids(log.replay({ seconds: 1001, nanos: 1 }))).toEqual(["c"]);
  });

  it("gives each event a time after the one before, even when the clock does not move", () => {
    const clock: EventTime = { seconds: 5, nanos: 999_999_999 };
    const log = new EventLog({ fellBehind: (m) => new Error(m), now: () => clock });
    ["a", "b", "c"].forEach((id) => log.publish("image", "tag", id, {}));
    expect(log.replay(undefined).map((e) => e.time)).toEqual([clock, { seconds: 6, nanos: 0 }, { seconds: 6, nanos: 1 }]);
  });

  it("streams the replay (or nothing), then live events, until the signal is aborted", async () => {
    const { log, publish } = logAt();
    publish("before");
    const stop = new AbortController();
    const replaying = log.watch({ replay: true }, stop.signal)[Symbol.asyncIterator]();
    const live = log.watch({ replay: false }, stop.signal)[Symbol.asyncIterator]();
    expect(ids((await next(replaying)).events)).toEqual(["before"]);
    expect(ids((await next(live)).events)).toEqual([]);
    publish("after");
    publish("later");
    expect(ids((await next(replaying)).events)).toEqual(["after", "later"]);
    expect(ids((await next(live)).events)).toEqual(["after", "later"]);
    const waiting = replaying.next();
    stop.abort();
    expect(await waiting).toEqual({ done: true, value: undefined });
  });

  it("ends a watcher that fell behind with the caller's error, and keeps serving the others", async () => {
    const { log, publish } = logAt({ queueLimit: 2 });
    const stop = new AbortController();
    const slow = log.watch({ replay: false }, stop.signal)[Symbol.asyncIterator]();
    const fast = log.watch({ replay: false }, stop.signal)[Symbol.asyncIterator]();
    await next(slow);
    await next(fast);
    publish("a");
    publish("b");
    expect(ids((await next(fast)).events)).toEqual(["a", "b"]);
    publish("c");
    await expect(slow.next()).rejects.toThrow(FellBehindError);
    await expect(slow.next()).resolves.toMatchObject({ done: true });
    expect(ids((await next(fast)).events)).toEqual(["c"]);
    stop.abort();
  });

  it("with no watcher, only appends to the ring", async () => {
    const { log, publish } = logAt({ queueLimit: 1 });
    const stop = new AbortController();
    const gone = log.watch({ replay: false }, stop.signal)[Symbol.asyncIterator]();
    await next(gone);
    stop.abort();
    await gone.next();
    // A watcher that left is no longer queued for: publishing past its limit fails nobody.
    ["a", "b", "c"].forEach(publish);
    const fresh = log.watch({ replay: true }, new AbortController().signal)[Symbol.asyncIterator]();
    expect(ids((await next(fresh)).events)).toEqual(["a", "b", "c"]);
  });
});
