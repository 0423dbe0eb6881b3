import { mkdtempSync, readFileSync, readdirSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { BatchFlush } from "./batch-flush.js";
import { FsBatch } from "./fs-batch.js";

describe("BatchFlush", () => {
  it("applies the batches of concurrent writers in one round, each up to its own first failure, and answers each", async () => {
    const root = mkdtempSync(join(tmpdir(), "batch-flush-"));
    const flush = new BatchFlush(root);
    const batchOf = (...names: string[]) => {
      const batch = new FsBatch();
      for (const name of names) batch.mkdir(join(root, name), 0o755);
      return batch;
    };
    const outcomes = await Promise.allSettled([
      flush.write(batchOf("a1", "a2")),
      flush.write(batchOf("b1", "a1", "b3")),
      flush.write(batchOf("c1")),
      flush.flush(),
    ]);
    expect(outcomes.map((o) => o.status)).toEqual(["fulfilled", "rejected", "fulfilled", "fulfilled"]);
    const failure = (outcomes[1] as PromiseRejectedResult).reason as NodeJS.ErrnoException;
    expect(failure).toMatchObject({ code: "EEXIST", syscall: "mkdir", path: join(root, "a1") });
    expect(readdirSync(root).sort()).toEqual(["a1", "a2", "b1", "c1"]);
  });

  it("tells its round observer how many callers each round served and whether one of them failed", async () => {
    const root = mkdtempSync(join(tmpdir(), "batch-flush-"));
    const rounds: { callers: number; failed?: boolean }[] = [];
    const flush = new BatchFlush(root, {
      roundsInFlight: 1,
      observeRound: (callers) => {
        const round: { callers: number; failed?: boolean } = { callers };
        rounds.push(round);
        return (failed) => (round.failed = failed);
      },
    });
    const mkdir = (name: string) => {
      const batch = new FsBatch();
      batch.mkdir(join(root, name), 0o755);
      return flush.write(batch);
    };
    await mkdir("first");
    await Promise.allSettled([mkdir("second"), mkdir("first"), flush.flush()]);
    // The first caller starts a round at once; those that ask while it runs share the next.
    expect(rounds).toEqual([
      { callers: 1, failed: false },
      { callers: 1, failed: false },
      { callers: 2, failed: true },
    ]);
  });

  it("takes the writes out of the batch: writing it again applies only what was recorded since", async () => {
    const root = mkdtempSync(join(tmpdir(), "batch-flush-"));
    const flush = new BatchFlush(root);
    const batch = new FsBatch();
    batch.mkdir(join(root, "first"), 0o755);
    await flush.write(batch);
    batch.rename(join(root, "first"), join(root, "second"));
    await flush.write(batch);
    await flush.write(batch);
    expect(readdirSync(root)).toEqual(["second"]);
  });

  it("publishes a built directory durably, and removes what it built when the build or the rename fails", async () => {
    const root = mkdtempSync(join(tmpdir(), "batch-flush-"));
    const flush = new BatchFlush(root);
    const build = (name: string) => {
      const batch = new FsBatch();
      batch.mkdir(join(root, name), 0o755);
      batch.writeFile(join(root, name, "file"), name, 0o644);
      return batch;
    };
    await flush.publish(build("tmp-a"), join(root, "tmp-a"), join(root, "a"));
    expect(readFileSync(join(root, "a", "file"), "utf8")).toBe("tmp-a");

    const failing = build("tmp-b");
    failing.mkdir(join(root, "missing", "x"), 0o755);
    await expect(flush.publish(failing, join(root, "tmp-b"), join(root, "b"))).rejects.toMatchObject({ code: "ENOENT", syscall: "mkdir" });
    await expect(flush.publish(build("tmp-c"), join(root, "tmp-c"), join(root, "a"))).rejects.toMatchObject({
      code: "ENOTEMPTY",
      syscall: "rename",
      phase: 2,
    });
    expect(readdirSync(root)).toEqual(["a"]);
    expect(readFileSync(join(root, "a", "file"), "utf8")).toBe("tmp-a");
  });

  it("fails every writer of a round whose flush fails, naming the syscall and path", async () => {
    const missing = join(mkdtempSync(join(tmpdir(), "batch-flush-")), "gone");
    const flush = new BatchFlush(missing);
    await expect(flush.flush()).rejects.toMatchObject({ code: "ENOENT", syscall: "open", path: missing });
    await expect(flush.write(new FsBatch())).rejects.toMatchObject({ code: "ENOENT" });
  });
});
