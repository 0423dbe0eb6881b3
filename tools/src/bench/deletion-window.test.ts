import { describe, expect, it } from "vitest";
import { DeletionWindow } from "./deletion-window.js";

describe("DeletionWindow", () => {
  it("never waits where ext4's recently-deleted scan cannot happen (tmpfs)", async () => {
    const window = new DeletionWindow("/dev/shm");
    window.deleted();
    const started = Date.now();
    await window.settle();
    expect(Date.now() - started).toBeLessThan(5_000);
    expect(window.description).toBe("no wait after deletions");
  });
});
