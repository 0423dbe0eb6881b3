import { EventLog, type EngineEvent, type EventWatch } from "@slipway/docker-spec";
import { resourceExhausted, SlipwayError, unavailable } from "@slipway/errors";
import type { CallContext, CallOpts } from "@slipway/grpc-kit";
import { describe, expect, it } from "vitest";
import { EventWatches, mergeEventStreams } from "./events.js";
import type { Stores } from "./stores.js";

/** A store's event log on a shared clock, so that the test decides the order of events across stores. */
let clock = 0;
const storeLog = () => new EventLog({ fellBehind: resourceExhausted, now: () => ({ seconds: 100, nanos: clock++ }) });
const ids = (events: readonly EngineEvent[]) => events.map((e) => e.actorId);

async function next<T>(iterator: AsyncIterator<T>): Promise<T> {
  const result = await iterator.next();
  if (result.done) throw new Error("the stream ended");
  return result.value;
}

const tick = () => new Promise((resolve) => setImmediate(resolve));
/** A process that is not stopping. */
const running = new AbortController().signal;

describe("mergeEventStreams", () => {
  it("sends the stores' replays as one answer in time order, then each store's live events", async () => {
    const [layers, containers] = [storeLog(), storeLog()];
    layers.publish("volume", "create", "v1", {});
    containers.publish("container", "create", "c1", {});
    layers.publish("volume", "destroy", "v1", {});
    const stop = new AbortController();
    const watch: EventWatch = { replay: true };
    const streams = [layers.watch(watch, stop.signal), containers.watch(watch, stop.signal)];
    const merged = mergeEventStreams(streams, stop.signal, running)[Symbol.asyncIterator]();
    expect(ids((await next(merged)).events)).toEqual(["v1", "c1", "v1"]);
    containers.publish("container", "destroy", "c1", {});
    expect(ids((await next(merged)).events)).toEqual(["c1"]);
    const waiting = merged.next();
    stop.abort();
    expect(await waiting).toMatchObject({ done: true });
  });

  it("ends with a store's error, and with UNAVAILABLE when a store ends its stream, never with a gap", async () => {
    const stop = new AbortController();
    async function* failing() {
      yield { events: [] };
      throw unavailable("layer-store is unavailable at unix:/run/slipway/layer-store.sock: connection refused");
    }
    async function* ending() {
      yield { events: [] };
    }
    const quiet = storeLog().watch({ replay: false }, stop.signal);
    await expect(drain(mergeEventStreams([failing(), quiet], stop.signal, running))).rejects.toThrow("layer-store is unavailable");
    const endingMerge = mergeEventStreams([ending(), storeLog().watch({ replay: false }, stop.signal)], stop.signal, running);
    await expect(drain(endingMerge)).rejects.toMatchObject({
      kind: "unavailable",
      message: expect.stringContaining("ended its events stream"),
    });
    stop.abort();
  });

  it("ends a reader that fell behind with RESOURCE_EXHAUSTED", async () => {
    const log = storeLog();
    const stop = new AbortController();
    const merged = mergeEventStreams([log.watch({ replay: false }, stop.signal)], stop.signal, running)[Symbol.asyncIterator]();
    await next(merged);
    // Published in parts, each forwarded from the store before the next, so that the merge's own queue overflows.
    for (let part = 0; part < 3; part++) {
      for (let i = 0; i < 500; i++) log.publish("volume", "create", `v${i}`, {});
      await tick();
    }
    const error = await merged.next().catch((err: unknown) => err);
    expect(error).toBeInstanceOf(SlipwayError);
    expect(error).toMatchObject({ kind: "resource_exhausted", message: expect.stringContaining("fell behind") });
    stop.abort();
  });
});

describe("EventWatches", () => {
  it("asks each store with the caller's request, and cancels their calls once the merge ends", async () => {
    const logs = [storeLog(), storeLog(), storeLog()];
    const signals: AbortSignal[] = [];
    const requests: EventWatch[] = [];
    const storeClient = (log: EventLog) => ({
      watchEvents: (request: EventWatch, opts: CallOpts) => (requests.push(request), signals.push(opts.signal!), log.watch(request, opts.signal!)),
    });
    const stores = { layers: storeClient(logs[0]!), images: storeClient(logs[1]!), containers: storeClient(logs[2]!) } as unknown as Stores;
    const caller = new AbortController();
    const ctx = { signal: caller.signal, deadline: undefined } as unknown as CallContext;
    const request = { replay: true, since: { seconds: 7, nanos: 0 } };
    const merged = new EventWatches(stores).watch(request, ctx)[Symbol.asyncIterator]();
    await next(merged);
    expect(requests).toEqual([request, request, request]);
    logs[1]!.publish("image", "tag", "sha256:ab", { name: "golden:2" });
    expect(ids((await next(merged)).events)).toEqual(["sha256:ab"]);
    await merged.return!(undefined);
    expect(signals.map((s) => s.aborted)).toEqual([true, true, true]);
  });

  it("ends every watch with UNAVAILABLE once the orchestrator is stopping", async () => {
    const log = storeLog();
    const stores = Object.fromEntries(
      ["layers", "images", "containers"].map((name) => [
        name,
        { watchEvents: (request: EventWatch, opts: CallOpts) => log.watch(request, opts.signal!) },
      ]),
    ) as unknown as Stores;
    const watches = new EventWatches(stores);
    const ctx = { signal: new AbortController().signal, deadline: undefined } as unknown as CallContext;
    const merged = watches.watch({ replay: false }, ctx)[Symbol.asyncIterator]();
    await next(merged);
    watches.stop();
    await expect(merged.next()).rejects.toMatchObject({ kind: "unavailable", message: "the orchestrator is stopping; watch again once it is back" });
  });
});

async function drain(stream: AsyncIterable<unknown>): Promise<void> {
  for await (const _ of stream);
}
