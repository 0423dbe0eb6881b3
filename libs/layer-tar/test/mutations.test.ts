import { mkdirSync, mkdtempSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { expect, it } from "vitest";
import { InvalidLayerError, applyLayerTar, exportLayerTar } from "../src/index.js";
import { TarWriter, chunked } from "../src/testing/index.js";
import { collect } from "./support.js";

/** A small layer with each kind of header, so mutations hit every parser path. */
function seedLayer(): Buffer {
  return new TarWriter()
    .dir("a/")
    .pax({ path: "a/pax-name", mtime: "1700000000.5", "SCHILY.xattr.user.k": "v" })
    .file("ignored", "pax content")
    .gnuLong(`a/${"long".repeat(40)}`)
    .file("short", "gnu content", { format: "gnu" })
    .symlink("a/link", "pax-name")
    .hardlink("a/hard", "a/pax-name")
    .file("a/.wh.gone", "")
    .device("a/fifo", "fifo")
    .end();
}

// Deterministic byte flips in a valid layer: each result is refused with InvalidLayerError (never
// another error) or accepted and exported byte for byte; nothing appears next to the diff directory.
it("accepts or cleanly refuses 300 mutated layers", async () => {
  const work = mkdtempSync(join(tmpdir(), "layer-tar-mutations-"));
  const seed = seedLayer();
  let state = 12345;
  const random = (limit: number): number => {
    state = (Math.imul(state, 1103515245) + 12345) >>> 0;
    return state % limit;
  };
  const outcomes = { accepted: 0, refused: 0 };
  try {
    for (let i = 0; i < 300; i++) {
      const mutated = Buffer.from(seed);
      for (let flips = 1 + random(3); flips > 0; flips--) mutated[random(mutated.length)] = random(256);
      const parent = join(work, String(i));
      mkdirSync(join(parent, "diff"), { recursive: true });
      try {
        const layer = await applyLayerTar(chunked(mutated, 1 + random(2000)), join(parent, "diff"));
        expect((await collect(exportLayerTar(join(parent, "diff"), layer.tarSplit))).equals(mutated)).toBe(true);
        outcomes.accepted++;
      } catch (err) {
        if (!(err instanceof InvalidLayerError)) throw new Error(`mutation ${i} failed with a non-layer error: ${String(err)}`, { cause: err });
        outcomes.refused++;
      }
      expect(readdirSync(parent)).toEqual(["diff"]);
      rmSync(parent, { recursive: true, force: true });
    }
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
  expect(outcomes.refused).toBeGreaterThan(0);
  expect(outcomes.accepted).toBeGreaterThan(0);
});
