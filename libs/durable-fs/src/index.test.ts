import { mkdtempSync, readdirSync, readFileSync, statSync, mkdirSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { expect, it } from "vitest";
import { isAtomicTempName, publish, writeFileAtomic, writeFileSynced } from "./index.js";

const dir = () => mkdtempSync(join(tmpdir(), "durable-fs-"));

it("writes atomically with the exact mode and leaves no temp file", async () => {
  const d = dir();
  const old = process.umask(0o077);
  try {
    await writeFileAtomic(join(d, "config.v2.json"), "{}\n", 0o644);
  } finally {
    process.umask(old);
  }
  expect(readFileSync(join(d, "config.v2.json"), "utf8")).toBe("{}\n");
  expect(statSync(join(d, "config.v2.json")).mode & 0o777).toBe(0o644);
  expect(readdirSync(d)).toEqual(["config.v2.json"]);
});

it("replaces existing content", async () => {
  const d = dir();
  writeFileSync(join(d, "f"), "old");
  await writeFileAtomic(join(d, "f"), "new", 0o600);
  expect(readFileSync(join(d, "f"), "utf8")).toBe("new");
  expect(statSync(join(d, "f")).mode & 0o777).toBe(0o600);
});

it("cleans its temp file when the rename fails", async () => {
  const d = dir();
  mkdirSync(join(d, "target"));
  writeFileSync(join(d, "target", "x"), "");
  await expect(writeFileAtomic(join(d, "target"), "data")).rejects.toThrow();
  expect(readdirSync(d).filter(isAtomicTempName)).toEqual([]);
});

it("publishes a finished directory with one rename", async () => {
  const d = dir();
  mkdirSync(join(d, "tmp"));
  mkdirSync(join(d, "tmp", "write-set"));
  await writeFileSynced(join(d, "tmp", "write-set", "diff"), "sha256:x", 0o644);
  mkdirSync(join(d, "sha256"));
  await publish(join(d, "tmp", "write-set"), join(d, "sha256", "abc"));
  expect(readFileSync(join(d, "sha256", "abc", "diff"), "utf8")).toBe("sha256:x");
  expect(readdirSync(join(d, "tmp"))).toEqual([]);
});
