import { describe, expect, it } from "vitest";
import { PruneGuard } from "./prune-guard.js";

describe("PruneGuard", () => {
  it("refuses a prune while one runs, in dockerd's words, and runs the next once it is over, failed or not", async () => {
    const guard = new PruneGuard();
    let finish!: (value: string) => void;
    const first = guard.run(() => new Promise<string>((resolve) => (finish = resolve)));
    await expect(guard.run(async () => "second")).rejects.toMatchObject({
      kind: "failed_precondition",
      message: "a prune operation is already running",
    });
    finish("first");
    expect(await first).toBe("first");
    await expect(guard.run(async () => Promise.reject(new Error("prune failed")))).rejects.toThrow("prune failed");
    expect(await guard.run(async () => "third")).toBe("third");
  });

  it("guards only its own kind of prune", async () => {
    const [containers, volumes] = [new PruneGuard(), new PruneGuard()];
    let finish!: () => void;
    const running = containers.run(() => new Promise<void>((resolve) => (finish = resolve)));
    expect(await volumes.run(async () => "volumes")).toBe("volumes");
    finish();
    await running;
  });
});
