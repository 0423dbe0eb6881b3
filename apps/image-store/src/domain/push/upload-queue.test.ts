import { describe, expect, it } from "vitest";
import type { Progress } from "../progress.js";
import { TransferSlots } from "../transfer-slots.js";
import { uploadAll } from "./upload-queue.js";

const items = (...keys: string[]) => keys.map((key) => ({ id: key, key }));

describe("uploadAll", () => {
  it("says Preparing for every item, Waiting beyond the concurrency, and uploads each key once", async () => {
    const lines: Progress[] = [];
    const started: string[] = [];
    const results = await uploadAll(
      items("a", "b", "a", "c"),
      async ({ key }) => {
        started.push(key);
        await new Promise((resolve) => setTimeout(resolve, 5));
        return key.toUpperCase();
      },
      { emit: (p) => lines.push(p), signal: new AbortController().signal, slots: new TransferSlots(2) },
    );
    expect(results).toEqual(["A", "B", "A", "C"]);
    expect(started).toEqual(["a", "b", "c"]);
    expect(lines.map((p) => `${p.id} ${p.status}`)).toEqual(["a Preparing", "b Preparing", "a Preparing", "c Preparing", "c Waiting"]);
  });

  it("fails with the first failure in item order and cancels the uploads still running", async () => {
    const cancelled: string[] = [];
    const upload = ({ key }: { key: string }, signal: AbortSignal) =>
      new Promise<string>((_resolve, reject) => {
        if (key === "b") setTimeout(() => reject(new Error("b failed")), 5);
        else if (key === "c") setTimeout(() => reject(new Error("c failed")), 1);
        else signal.addEventListener("abort", () => (cancelled.push(key), reject(new Error(`${key} cancelled`))));
      });
    const pushing = uploadAll(items("b", "c", "a"), upload, {
      emit: () => undefined,
      signal: new AbortController().signal,
      slots: new TransferSlots(5),
    });
    // c fails first, but dockerd waits for the uploads in layer order and reports b's failure.
    await expect(pushing).rejects.toThrow("b failed");
    expect(cancelled).toEqual(["a"]);
  });
});
