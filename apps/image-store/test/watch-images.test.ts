import { setTimeout as sleep } from "node:timers/promises";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { SlipwayError } from "@slipway/errors";
import { eventsOf } from "../src/async-queue.js";
import { ociArchive } from "./fixtures.js";
import { load, startInProcessImageStore, startStack, type Stack } from "./harness.js";

type Client = Stack["client"];

/**
 * A WatchImages subscriber as the orchestrator is one: it acknowledges each generation (after `ackDelayMs`,
 * or never) and records when; cancel() fails its request stream, which cancels the call.
 */
class Subscriber {
  readonly received: number[] = [];
  /** The newest generation acknowledged so far. */
  acknowledged = 0;
  /** How the stream ended: "ended", or the error's kind and message. */
  readonly ended: Promise<string>;
  readonly first: Promise<number>;
  private push!: (generation: number) => void;
  private fail!: (err: Error) => void;

  constructor(client: Client, options: { ackDelayMs?: number; acknowledge?: boolean } = {}) {
    let gotFirst!: (generation: number) => void;
    this.first = new Promise((resolve) => (gotFirst = resolve));
    const requests = eventsOf<number>((push) => new Promise<void>((_, reject) => ((this.push = push), (this.fail = reject))));
    const acknowledgements = async function* () {
      for await (const appliedGeneration of requests) yield { appliedGeneration };
    };
    this.ended = (async () => {
      try {
        for await (const { generation } of client.watchImages(acknowledgements())) {
          if (this.received.length === 0) gotFirst(generation);
          this.received.push(generation);
          if (options.acknowledge !== false) setTimeout(() => this.acknowledge(generation), options.ackDelayMs ?? 0);
        }
        return "ended";
      } catch (err) {
        return err instanceof SlipwayError ? `${err.kind}: ${err.message}` : String(err);
      } finally {
        this.fail?.(new Error("the subscriber's stream is over"));
      }
    })();
  }

  cancel(): void {
    this.fail(new Error("the subscriber left"));
  }

  private acknowledge(generation: number): void {
    this.push(generation);
    this.acknowledged = Math.max(this.acknowledged, generation);
  }
}

/** Runs a call; returns how long it took in milliseconds. */
async function timed(call: () => Promise<unknown>): Promise<number> {
  const started = performance.now();
  await call();
  return performance.now() - started;
}

let stack: Stack;
beforeAll(async () => {
  stack = await startStack();
}, 120_000);
afterAll(async () => {
  await stack?.stop();
});

describe.each([
  ["over the network", false],
  ["in-process", true],
])("WatchImages (%s)", (mode, local) => {
  let client: Client;
  let stopLocal: (() => Promise<void>) | undefined;
  const repository = `watch/${local ? "local" : "remote"}`;
  const tag = (target: string) => client.tagImage({ source: `${repository}:1`, target, tag: "" });

  beforeAll(async () => {
    if (local) ({ client, stop: stopLocal } = await startInProcessImageStore(stack));
    else client = stack.client;
    const { archive } = await ociArchive({ name: `${repository}:1`, content: `watched ${mode} ${process.pid}\n` });
    await load(client, [archive]);
  }, 60_000);
  afterAll(async () => {
    await stopLocal?.();
  });

  it("sends every new subscriber the current generation first", async () => {
    const [one, two] = [new Subscriber(client), new Subscriber(client)];
    expect(await one.first).toBeGreaterThanOrEqual(1);
    expect(await two.first).toBe(await one.first);
    one.cancel();
    two.cancel();
    await Promise.all([one.ended, two.ended]);
  });

  it("answers TagImage only once every subscriber has applied the change", async () => {
    const slow = new Subscriber(client, { ackDelayMs: 300 });
    const quick = new Subscriber(client);
    const first = await slow.first;
    await quick.first;
    let appliedWhenAnswered = 0;
    const took = await timed(() => tag(`${repository}:slow`).then(() => (appliedWhenAnswered = Math.min(slow.acknowledged, quick.acknowledged))));
    expect(took).toBeGreaterThanOrEqual(300);
    expect(appliedWhenAnswered).toBeGreaterThan(first);
    slow.cancel();
    quick.cancel();
    await Promise.all([slow.ended, quick.ended]);
  });

  it("does not wait without subscribers", async () => {
    expect(await timed(() => tag(`${repository}:alone`))).toBeLessThan(1_000);
  });

  it("ends a subscriber that never acknowledges with UNAVAILABLE after the deadline, then answers the change", async () => {
    const stuck = new Subscriber(client, { acknowledge: false });
    await stuck.first;
    const took = await timed(() => tag(`${repository}:stuck`));
    expect(took).toBeGreaterThanOrEqual(2_000 - 50);
    expect(took).toBeLessThan(5_000);
    expect(await stuck.ended).toMatch(/^unavailable: image-store ended the watch: image generation \d+ was not acknowledged within 2000 ms/);
    expect(await timed(() => tag(`${repository}:after-stuck`))).toBeLessThan(1_000);
  });

  it("does not wait for a subscriber that cancelled its stream", async () => {
    const leaving = new Subscriber(client, { acknowledge: false });
    await leaving.first;
    leaving.cancel();
    await leaving.ended;
    await sleep(100); // the cancellation reaches image-store
    expect(await timed(() => tag(`${repository}:after-cancel`))).toBeLessThan(1_000);
  });

  it("publishes a newer generation for each load, tag and removal, acknowledged before the call answers", async () => {
    const subscriber = new Subscriber(client);
    await subscriber.first;
    const { archive } = await ociArchive({ name: `${repository}:2`, content: `loaded while watched ${mode} ${process.pid}\n` });
    const changes: [string, () => Promise<unknown>][] = [
      ["load", () => load(client, [archive])],
      ["tag", () => tag(`${repository}:3`)],
      ["untag", () => client.removeImage({ reference: `${repository}:3`, force: false, noPrune: false })],
      ["remove", () => client.removeImage({ reference: `${repository}:2`, force: false, noPrune: false })],
    ];
    for (const [what, change] of changes) {
      const before = subscriber.received.at(-1)!;
      await change();
      expect({ what, applied: subscriber.acknowledged > before }).toEqual({ what, applied: true });
    }
    expect(subscriber.received).toEqual([...new Set(subscriber.received)].sort((a, b) => a - b));
    subscriber.cancel();
    await subscriber.ended;
  });
});
