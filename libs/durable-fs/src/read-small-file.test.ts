import { mkdtempSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { expect, it } from "vitest";
import { readSmallFileSync } from "./read-small-file.js";

const dir = mkdtempSync(join(tmpdir(), "durable-fs-read-"));

it("reads small and large files whole, as UTF-8, and throws ENOENT for a missing one", () => {
  const small = "sha256:é\n";
  const large = "x".repeat(200 * 1024) + "end";
  writeFileSync(join(dir, "small"), small);
  writeFileSync(join(dir, "large"), large);
  writeFileSync(join(dir, "empty"), "");
  expect(readSmallFileSync(join(dir, "small"))).toBe(small);
  expect(readSmallFileSync(join(dir, "large"))).toBe(large);
  expect(readSmallFileSync(join(dir, "empty"))).toBe("");
  expect(readSmallFileSync(join(dir, "small"))).toBe(small);
  expect(() => readSmallFileSync(join(dir, "missing"))).toThrow(expect.objectContaining({ code: "ENOENT" }));
});
