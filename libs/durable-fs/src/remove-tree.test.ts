import { existsSync, mkdirSync, mkdtempSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { removeTree } from "./remove-tree.js";

describe("removeTree", () => {
  it("removes a tree with files, symlinks and nested directories without following symlinks", async () => {
    const root = mkdtempSync(join(tmpdir(), "remove-tree-"));
    const outside = join(root, "outside");
    mkdirSync(join(outside, "kept"), { recursive: true });
    const tree = join(root, "tree");
    mkdirSync(join(tree, "a", "b", "c"), { recursive: true });
    writeFileSync(join(tree, "a", "b", "c", "file"), "x");
    writeFileSync(join(tree, "top"), "y");
    symlinkSync(outside, join(tree, "a", "to-outside"));
    await removeTree(tree);
    expect(existsSync(tree)).toBe(false);
    expect(existsSync(join(outside, "kept"))).toBe(true);
    await expect(removeTree(join(root, "no-such"))).resolves.toBeUndefined();
    writeFileSync(join(root, "plain"), "z");
    await removeTree(join(root, "plain"));
    expect(existsSync(join(root, "plain"))).toBe(false);
  });

  it("rejects with Node's error shape when an entry cannot be removed", async () => {
    const file = join(mkdtempSync(join(tmpdir(), "remove-tree-")), "file");
    writeFileSync(file, "x");
    await expect(removeTree(join(file, "below"))).rejects.toMatchObject({
      code: "ENOTDIR",
      syscall: "unlink",
      message: expect.stringContaining(file),
    });
  });
});
