import { mkdirSync, mkdtempSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import fc from "fast-check";
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

/** Byte flips (offset, value), optionally a cut, and the chunk size the stream arrives in. */
const mutations = fc.record({
  flips: fc.array(fc.tuple(fc.nat(), fc.nat(255)), { minLength: 1, maxLength: 3 }),
  cut: fc.option(fc.nat()),
  chunk: fc.integer({ min: 1, max: 2000 }),
});

// Byte flips in a valid layer: each result is refused with InvalidLayerError (never another error) or
// accepted and exported byte for byte; nothing appears next to the diff directory.
it("accepts or cleanly refuses mutated layers", async () => {
  const work = mkdtempSync(join(tmpdir(), "layer-tar-mutations-"));
  const seed = seedLayer();
  const outcomes = { accepted: 0, refused: 0 };
  let run = 0;
  try {
    await fc.assert(
      fc.asyncProperty(mutations, async ({ flips, cut, chunk }) => {
        const mutated = Buffer.from(seed);
        for (const [offset, value] of flips) mutated[offset % mutated.length] = value;
        const input = cut === null ? mutated : mutated.subarray(0, cut % mutated.length);
        const parent = join(work, String(run++));
        mkdirSync(join(parent, "diff"), { recursive: true });
        try {
          const layer = await applyLayerTar(chunked(input, chunk), join(parent, "diff"));
          expect((await collect(exportLayerTar(join(parent, "diff"), layer.tarSplit))).equals(input)).toBe(true);
          outcomes.accepted++;
        } catch (err) {
          if (!(err instanceof InvalidLayerError)) throw new Error(`a mutation failed with a non-layer error: ${String(err)}`, { cause: err });
          outcomes.refused++;
        }
        expect(readdirSync(parent)).toEqual(["diff"]);
        rmSync(parent, { recursive: true, force: true });
      }),
    );
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
  expect(outcomes.refused).toBeGreaterThan(0);
  expect(outcomes.accepted).toBeGreaterThan(0);
});
