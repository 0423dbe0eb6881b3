import { describe, expect, it } from "vitest";
import { RegistryError } from "./errors.js";
import { withBackoff, withRetries } from "./retry.js";

const transient = () => new RegistryError("received unexpected HTTP status: 500 Internal Server Error", { retryable: true });

describe("withRetries", () => {
  it("counts down 5, 10, … seconds between attempts and gives a download 6 attempts", async () => {
    const ticks: number[] = [];
    let attempts = 0;
    const failing = withRetries(
      async () => {
        attempts++;
        throw transient();
      },
      { transfer: "download", secondMs: 0, onRetry: (left) => ticks.push(left) },
    );
    await expect(failing).rejects.toThrow("received unexpected HTTP status: 500");
    expect(attempts).toBe(6);
    expect(ticks.slice(0, 11)).toEqual([5, 4, 3, 2, 1, 10, 9, 8, 7, 6, 5]);
    expect(ticks).toHaveLength(5 + 10 + 15 + 20 + 25);
  });

  it("gives an upload 5 attempts and stops at once on a final error", async () => {
    let attempts = 0;
    await expect(withRetries(async () => (attempts++, Promise.reject(transient())), { transfer: "upload", secondMs: 0 })).rejects.toThrow();
    expect(attempts).toBe(5);
    attempts = 0;
    await expect(
      withRetries(async () => (attempts++, Promise.reject(new RegistryError("denied"))), { transfer: "upload", secondMs: 0 }),
    ).rejects.toThrow("denied");
    expect(attempts).toBe(1);
  });

  it("returns once an attempt succeeds, and stops waiting when cancelled", async () => {
    let attempts = 0;
    expect(await withRetries(async () => (++attempts < 3 ? Promise.reject(transient()) : "ok"), { transfer: "download", secondMs: 0 })).toBe("ok");
    const controller = new AbortController();
    const waiting = withRetries(() => Promise.reject(transient()), {
      transfer: "download",
      secondMs: 60_000,
      signal: controller.signal,
      onRetry: () => controller.abort(),
    });
    await expect(waiting).rejects.toThrow("download cancelled during retry delay");
  });
});

describe("withBackoff", () => {
  it("words the final failure as dockerd's config download", async () => {
    let attempts = 0;
    const failing = withBackoff(async () => {
      attempts++;
      throw transient();
    }, 0);
    await expect(failing).rejects.toThrow("download failed after attempts=5: received unexpected HTTP status: 500 Internal Server Error");
    expect(attempts).toBe(5);
    await expect(withBackoff(() => Promise.reject(new RegistryError("unknown blob")), 0)).rejects.toThrow(
      "download failed after attempts=1: unknown blob",
    );
  });
});
