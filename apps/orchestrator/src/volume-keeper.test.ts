import { createLogger } from "@slipway/grpc-kit";
import { unavailable } from "@slipway/errors";
import { describe, expect, it } from "vitest";
import { VolumeKeeper } from "./volume-keeper.js";

function keeperWith(answer: () => Promise<void> = async () => undefined) {
  const calls: string[][] = [];
  const layers = {
    keepVolumes: async ({ names }: { names: string[] }) => {
      calls.push(names);
      await answer();
      return { notFound: [] };
    },
  };
  return { keeper: new VolumeKeeper(layers, createLogger("orchestrator", "silent")), calls };
}

describe("VolumeKeeper", () => {
  it("marks the volumes of several creates in one call", async () => {
    const { keeper, calls } = keeperWith();
    keeper.keep(["a"]);
    keeper.keep([]);
    keeper.keep(["b", "c"]);
    await new Promise((resolve) => setTimeout(resolve, 120));
    expect(calls).toEqual([["a", "b", "c"]]);
  });

  it("sends what is pending at once when flushed, and nothing when nothing is", async () => {
    const { keeper, calls } = keeperWith();
    await keeper.flush();
    keeper.keep(["a"]);
    await keeper.flush();
    expect(calls).toEqual([["a"]]);
  });

  it("leaves a failed call to the reconciler rather than failing anyone", async () => {
    const { keeper, calls } = keeperWith(async () => Promise.reject(unavailable("layer-store is unavailable")));
    keeper.keep(["a"]);
    await expect(keeper.flush()).resolves.toBeUndefined();
    keeper.keep(["b"]);
    await keeper.flush();
    expect(calls).toEqual([["a"], ["b"]]);
  });
});
