// distribution/ as dockerd's V2MetadataService keeps it: the files, their modes, and its update rules.
import { mkdtemp, readFile, rm, stat, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { DistributionMetadata, type V2Metadata } from "../src/storage/distribution-metadata.js";

const digest = (c: string) => `sha256:${c.repeat(64)}`;
const entry = (d: string, sourceRepository: string, hmac = ""): V2Metadata => ({ digest: d, sourceRepository, hmac });
let root: string;
let store: DistributionMetadata;

beforeEach(async () => {
  root = await mkdtemp(join(tmpdir(), "distribution-"));
  store = new DistributionMetadata(root);
  await store.open();
});
afterEach(() => rm(root, { recursive: true, force: true }));

const file = (...parts: string[]) => join(root, "distribution", ...parts);
const mode = async (path: string) => ((await stat(path)).mode & 0o7777).toString(8);

describe("DistributionMetadata", () => {
  it("writes dockerd's files: the diffID by blob, the entries by diffID as compact JSON, 0644 in 0755 directories under a 0700 root", async () => {
    await store.add(digest("d"), entry(digest("b"), "127.0.0.1:5000/x"));
    expect(await readFile(file("diffid-by-digest", "sha256", "b".repeat(64)), "utf8")).toBe(digest("d"));
    expect(await readFile(file("v2metadata-by-diffid", "sha256", "d".repeat(64)), "utf8")).toBe(
      `[{"Digest":"${digest("b")}","SourceRepository":"127.0.0.1:5000/x","HMAC":""}]`,
    );
    expect(await mode(file())).toBe("700");
    expect(await mode(file("v2metadata-by-diffid"))).toBe("755");
    expect(await mode(file("diffid-by-digest", "sha256"))).toBe("755");
    expect(await mode(file("diffid-by-digest", "sha256", "b".repeat(64)))).toBe("644");
    expect(await store.diffIdOf(digest("b"))).toBe(digest("d"));
    expect(await store.diffIdOf(digest("c"))).toBeUndefined();
  });

  it("moves a repeated entry to the end, keeps the newest 50, and removes entries", async () => {
    await store.add(digest("d"), entry(digest("b"), "x"));
    await store.add(digest("d"), entry(digest("b"), "y"));
    await store.add(digest("d"), entry(digest("b"), "x"));
    expect(await store.v2Metadata(digest("d"))).toEqual([entry(digest("b"), "y"), entry(digest("b"), "x")]);
    for (let i = 0; i < 60; i++) await store.add(digest("d"), entry(digest("b"), `r${i}`));
    const kept = await store.v2Metadata(digest("d"));
    expect(kept).toHaveLength(50);
    expect(kept.at(-1)).toEqual(entry(digest("b"), "r59"));
    for (const old of kept) await store.remove(old);
    await expect(stat(file("v2metadata-by-diffid", "sha256", "d".repeat(64)))).rejects.toThrow(/ENOENT/);
  });

  it("reads an unreadable list as empty and sweeps interrupted writes on open", async () => {
    await store.add(digest("d"), entry(digest("b"), "x"));
    await writeFile(file("v2metadata-by-diffid", "sha256", "d".repeat(64)), "not json");
    expect(await store.v2Metadata(digest("d"))).toEqual([]);
    const leftover = file("diffid-by-digest", "sha256", ".tmp-abc");
    await writeFile(leftover, "");
    expect(await new DistributionMetadata(root).open()).toEqual([leftover]);
  });

  it("removes only an entry equal in all three fields, and keeps the blob's diffID", async () => {
    await store.add(digest("d"), entry(digest("b"), "x", "00ff"));
    await store.remove(entry(digest("b"), "x", "other"));
    await store.remove(entry(digest("e"), "x")); // a blob it never recorded
    expect(await store.v2Metadata(digest("d"))).toEqual([entry(digest("b"), "x", "00ff")]);
    await store.remove(entry(digest("b"), "x", "00ff"));
    expect(await store.v2Metadata(digest("d"))).toEqual([]);
    expect(await store.diffIdOf(digest("b"))).toBe(digest("d"));
  });

  it("refuses a blob digest that is no sha256 hex before writing anything", async () => {
    await expect(store.add(digest("d"), entry("sha256:../../x", "x"))).rejects.toThrow("invalid digest");
    expect(await store.v2Metadata(digest("d"))).toEqual([]);
  });
});
