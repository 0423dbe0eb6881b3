import { mkdtempSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { expect, it } from "vitest";
import { readLinks, readSmallFiles, readSmallFileSync } from "./read-small-file.js";

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

it.each([
  ["one after another (page cache warm)", undefined],
  ["many in flight (the first reads looked cold)", 0],
])("reads many files in order, each as its text or the error reading it gave: %s", async (_, coldReadMs) => {
  const paths = Array.from({ length: 100 }, (_, i) => join(dir, `many-${i}`));
  paths.forEach((path, i) => i % 10 !== 3 && writeFileSync(path, `value ${i}`));
  const texts = await readSmallFiles(paths, coldReadMs);
  expect(texts).toHaveLength(100);
  texts.forEach((text, i) => {
    if (i % 10 === 3) expect(text).toMatchObject({ code: "ENOENT" });
    else expect(text).toBe(`value ${i}`);
  });
});

it.each([undefined, 0])("reads many symbolic links' targets, or the error (cold threshold %s)", async (coldReadMs) => {
  const paths = Array.from({ length: 50 }, (_, i) => join(dir, `link-${coldReadMs}-${i}`));
  paths.forEach((path, i) => i !== 7 && symlinkSync(`../layer-${i}/diff`, path));
  const targets = await readLinks(paths, coldReadMs);
  targets.forEach((target, i) => expect(target).toEqual(i === 7 ? expect.objectContaining({ code: "ENOENT" }) : `../layer-${i}/diff`));
});
