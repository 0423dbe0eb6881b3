import { expect, it } from "vitest";
import type { Engine } from "./engines.js";
import { RunRecord } from "./record.js";
import { measureInRounds, median, roundOrder, summarizeRounds } from "./rounds.js";

it("rotates the engines so that each takes each place once in as many rounds", () => {
  expect([0, 1, 2, 3].map((round) => roundOrder(["one", "split", "dockerd"], round))).toEqual([
    ["one", "split", "dockerd"],
    ["split", "dockerd", "one"],
    ["dockerd", "one", "split"],
    ["one", "split", "dockerd"],
  ]);
  expect(roundOrder([], 2)).toEqual([]);
});

it("takes the median of odd and even counts", () => {
  expect(median([5, 1, 3])).toBe(3);
  expect(median([4, 1, 3, 10])).toBe(3.5);
  expect(median([])).toBeNaN();
});

it("summarizes a figure by its median or its highest, leaving out rounds that did not measure it", () => {
  const samples = [
    { "MB/s": 50, "RSS MiB": 200 },
    { "MB/s": 90, "RSS MiB": 180 },
    { "MB/s": 60, "RSS MiB": undefined },
  ];
  expect(summarizeRounds(samples, { "MB/s": "median", "RSS MiB": "highest" })).toEqual({ "MB/s": 60, "RSS MiB": 200 });
  expect(summarizeRounds([], { "MB/s": "median" })).toEqual({ "MB/s": undefined });
});

const engine = (key: "one" | "dockerd", label: string) => ({ key, label }) as Engine;

it("interleaves the engines round by round, prepares and finishes each round, and records medians and every round", async () => {
  const events: string[] = [];
  const record = new RunRecord();
  const rates: Record<string, number[]> = { one: [30, 10, 20], dockerd: [5, 7, 6] };
  await measureInRounds(
    [engine("one", "Slipway"), engine("dockerd", "dockerd")],
    {
      name: "load",
      rounds: 3,
      summaries: { "load MB/s": "median" },
      prepare: async (round) => void events.push(`prepare ${round}`),
      measure: async (e, round) => {
        events.push(`${e.key} ${round}`);
        return { "load MB/s": rates[e.key]![round] };
      },
      finish: async (round) => void events.push(`finish ${round}`),
    },
    record,
  );
  expect(events).toEqual([
    "prepare 0",
    "one 0",
    "dockerd 0",
    "finish 0",
    "prepare 1",
    "dockerd 1",
    "one 1",
    "finish 1",
    "prepare 2",
    "one 2",
    "dockerd 2",
    "finish 2",
  ]);
  expect(record.figures).toEqual({ one: { "load MB/s": 20 }, dockerd: { "load MB/s": 6 } });
  expect(record.notes).toEqual([
    "load: 3 rounds, each a distinct image taken by every engine in rotating order, nothing deleted between them. load MB/s (median): Slipway 30, 10, 20; dockerd 5, 7, 6.",
  ]);
});

it("finishes a round whose measurement failed, and records nothing", async () => {
  const finished: number[] = [];
  const record = new RunRecord();
  const failing = measureInRounds(
    [engine("one", "Slipway")],
    {
      name: "pull",
      rounds: 2,
      summaries: { "pull MB/s": "median" },
      prepare: async () => undefined,
      measure: async () => Promise.reject(new Error("registry gone")),
      finish: async (round) => void finished.push(round),
    },
    record,
  );
  await expect(failing).rejects.toThrow("registry gone");
  expect(finished).toEqual([0]);
  expect(record.figures).toEqual({});
});
