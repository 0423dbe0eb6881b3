import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { syncFilesystem } from "./sync-filesystem.js";

describe("syncFilesystem", () => {
  it("flushes the filesystem of a path, and rejects with Node's error shape for a missing one", async () => {
    await expect(syncFilesystem(import.meta.dirname)).resolves.toBeUndefined();
    const missing = join(import.meta.dirname, "no-such-dir");
    await expect(syncFilesystem(missing)).rejects.toMatchObject({ code: "ENOENT", syscall: "open", message: expect.stringContaining(missing) });
  });
});
