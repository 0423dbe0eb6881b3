import { describe, expect, it } from "vitest";
import type { FlushRoundObserver } from "./batch-flush.js";
import { observeRoundsWith } from "./round-observers.js";

describe("observeRoundsWith", () => {
  const recording =
    (log: string[], name: string): FlushRoundObserver =>
    (callers) => {
      log.push(`${name} start ${callers}`);
      return (failed) => log.push(`${name} end ${failed}`);
    };

  it("tells every observer of the round's start and end", () => {
    const log: string[] = [];
    observeRoundsWith(recording(log, "metrics"), undefined, recording(log, "traces"))!(3)(true);
    expect(log).toEqual(["metrics start 3", "traces start 3", "metrics end true", "traces end true"]);
  });

  it("is the one observer set, or none", () => {
    const only = recording([], "metrics");
    expect(observeRoundsWith(undefined, only)).toBe(only);
    expect(observeRoundsWith(undefined, undefined)).toBeUndefined();
  });
});
