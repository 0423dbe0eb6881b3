import { gunzipSync, gzipSync } from "node:zlib";
import { cleanPath } from "@slipway/docker-spec";
import fc from "fast-check";
import { expect, it } from "vitest";
import { FILE_TYPE, InvalidTarSplitError, TarSplitPacker, readTarSplit, type TarSplitEntry } from "../src/tar-split.js";

// A tar-split document is what layerdb keeps to rebuild a layer's tar: gzip of one JSON entry per line.
// Invariants: the packer's documents read back as the entries packed and re-pack to the same bytes; any
// other document either reads whole or fails with InvalidTarSplitError (never another error, never a
// hang), and what reads re-packs to a document that reads back as the same entries. Bytes are kept only
// for the packer's own form: positions, field order, spacing, unknown fields and base64 spelling are not.

/** A run that takes longer than this counts as a hang. */
const HANG_MS = 5_000;

async function readAll(tarSplit: Buffer): Promise<TarSplitEntry[]> {
  const entries: TarSplitEntry[] = [];
  for await (const entry of readTarSplit(tarSplit)) entries.push(entry);
  return entries;
}

async function pack(entries: readonly TarSplitEntry[]): Promise<Buffer> {
  const packer = new TarSplitPacker();
  for (const entry of entries) {
    if (entry.type === FILE_TYPE) packer.addFile(entry.name.toString("latin1"), entry.size, entry.checksum);
    else packer.addSegment(entry.payload);
  }
  return packer.finish();
}

const bytes = (maxLength: number) => fc.uint8Array({ maxLength }).map((array) => Buffer.from(array));
const segment = bytes(1100).map((payload): TarSplitEntry => ({ type: 2, payload }));
const file = (name: Buffer) =>
  fc
    .record({ size: fc.oneof(fc.constant(0), fc.nat(), fc.maxSafeNat()), checksum: fc.option(bytes(8)) })
    .map(({ size, checksum }): TarSplitEntry => ({ type: FILE_TYPE, name, size, checksum }));
/** Names of any bytes (UTF-8 or not, ".." included), distinct as tar-split's packer requires. */
const names = fc.uniqueArray(
  fc.oneof(
    fc.string({ unit: "grapheme" }).map((s) => Buffer.from(s)),
    bytes(40),
  ),
  {
    maxLength: 8,
    selector: (name) => cleanPath(name.toString("latin1")),
  },
);
/** Entries in a tar's order: segments between the files. */
const entries = names.chain((fileNames) =>
  fc
    .tuple(fc.tuple(...fileNames.map(file)), fc.array(segment, { minLength: fileNames.length + 1, maxLength: fileNames.length + 1 }))
    .map(([files, segments]) => segments.flatMap((s, i) => (i < files.length ? [s, files[i]!] : [s]))),
);

/** Byte flips (offset, value) and a cut, applied to the JSON text or to the gzip stream. */
const mutation = fc.record({
  layer: fc.constantFrom("json", "gzip"),
  flips: fc.array(fc.tuple(fc.nat(), fc.nat(255)), { maxLength: 3 }),
  cut: fc.option(fc.nat()),
  repeatLine: fc.option(fc.nat()),
});

function mutate(data: Buffer, { flips, cut, repeatLine }: { flips: [number, number][]; cut: number | null; repeatLine: number | null }): Buffer {
  let out = Buffer.from(data);
  if (repeatLine !== null) {
    const lines = out.toString("latin1").split("\n");
    lines.splice(repeatLine % lines.length, 0, lines[repeatLine % lines.length]!);
    out = Buffer.from(lines.join("\n"), "latin1");
  }
  for (const [offset, value] of flips) if (out.length > 0) out[offset % out.length] = value;
  return cut === null || out.length === 0 ? out : out.subarray(0, cut % out.length);
}

it("reads back the entries it packed and re-packs them to the same bytes", async () => {
  await fc.assert(
    fc.asyncProperty(entries, async (packed) => {
      const document = await pack(packed);
      const read = await readAll(document);
      expect(read).toEqual(packed);
      expect((await pack(read)).equals(document)).toBe(true);
    }),
    { timeout: HANG_MS },
  );
});

it("reads a mutated document whole or refuses it with InvalidTarSplitError; what it reads re-packs to the same entries", async () => {
  const outcomes = { read: 0, refused: 0 };
  await fc.assert(
    fc.asyncProperty(entries, mutation, async (packed, change) => {
      const document = await pack(packed);
      const input = change.layer === "gzip" ? mutate(document, change) : gzipSync(mutate(gunzipSync(document), change));
      let read: TarSplitEntry[];
      try {
        read = await readAll(input);
      } catch (err) {
        if (!(err instanceof InvalidTarSplitError)) throw new Error(`a mutation failed with another error: ${String(err)}`, { cause: err });
        outcomes.refused++;
        return;
      }
      outcomes.read++;
      expect(await readAll(await pack(read))).toEqual(read);
    }),
    { timeout: HANG_MS },
  );
  expect(outcomes.refused).toBeGreaterThan(0);
  expect(outcomes.read).toBeGreaterThan(0);
});
