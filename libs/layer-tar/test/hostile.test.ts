import { existsSync, lstatSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { InvalidLayerError, applyLayerTar } from "../src/index.js";
import { TarWriter, chunked, hostileCorpus, noise } from "../src/testing/index.js";

/** Applies into <parent>/diff next to a sentinel file; returns the error thrown. */
async function applyExpectingError(parent: string, source: AsyncIterable<Uint8Array>, options?: { signal?: AbortSignal }): Promise<unknown> {
  mkdirSync(join(parent, "diff"));
  writeFileSync(join(parent, "sentinel"), "untouched");
  try {
    await applyLayerTar(source, join(parent, "diff"), options);
  } catch (err) {
    return err;
  }
  throw new Error("applyLayerTar accepted the layer");
}

function outsideIsUntouched(parent: string): void {
  expect(readdirSync(parent).sort()).toEqual(["diff", "sentinel"]);
  expect(lstatSync(join(parent, "sentinel")).size).toBe("untouched".length);
}

describe("hostile layer tars", () => {
  let work: string;
  const passwdLinks = lstatSync("/etc/passwd").nlink;
  beforeAll(() => {
    work = mkdtempSync(join(tmpdir(), "layer-tar-hostile-"));
  });
  afterAll(() => rmSync(work, { recursive: true, force: true }));

  const corpus = hostileCorpus();
  it("has at least 15 cases", () => {
    expect(corpus.length).toBeGreaterThanOrEqual(15);
  });

  // Sent in small odd chunks and in one piece: the entry named must not depend on the chunking.
  for (const hostile of corpus) {
    it.each([777, 1 << 20])(`refuses ${hostile.name}, naming the entry, writing nothing outside (%i-byte chunks)`, async (chunkSize) => {
      const parent = join(work, `${hostile.name}-${chunkSize}`);
      mkdirSync(parent);
      const err = await applyExpectingError(parent, chunked(hostile.bytes, chunkSize));
      expect(err).toBeInstanceOf(InvalidLayerError);
      expect((err as InvalidLayerError).entry).toBe(hostile.expectedEntry);
      if (hostile.expectedEntry !== undefined) expect((err as Error).message).toContain(`"${hostile.expectedEntry}"`);
      outsideIsUntouched(parent);
      for (const path of hostile.outsidePaths) {
        if (path === "/etc/passwd") expect(lstatSync(path).nlink).toBe(passwdLinks);
        else expect(existsSync(path)).toBe(false);
      }
    });
  }

  it("refuses a source stream that fails midway, naming the entry being read", async () => {
    const tar = new TarWriter().file("first", "x").file("second", noise(200_000)).end();
    async function* failing(): AsyncGenerator<Buffer> {
      yield tar.subarray(0, 100_000);
      throw new Error("client cancelled the stream");
    }
    const parent = join(work, "failing-source");
    mkdirSync(parent);
    const err = await applyExpectingError(parent, failing());
    expect(err).toBeInstanceOf(InvalidLayerError);
    expect((err as InvalidLayerError).entry).toBe("second");
    expect((err as Error).message).toContain("client cancelled the stream");
    outsideIsUntouched(parent);
  });

  it("stops with the signal's reason when aborted while waiting for data", async () => {
    const controller = new AbortController();
    async function* stalled(): AsyncGenerator<Buffer> {
      yield new TarWriter().file("first", "x").bytes();
      controller.abort(new Error("deadline exceeded"));
      await new Promise(() => undefined); // never sends more
    }
    const parent = join(work, "aborted");
    mkdirSync(parent);
    const err = await applyExpectingError(parent, stalled(), { signal: controller.signal });
    expect((err as Error).message).toBe("deadline exceeded");
    outsideIsUntouched(parent);
  });

  it("refuses other compressions with a clear message", async () => {
    const parent = join(work, "xz");
    mkdirSync(parent);
    const err = await applyExpectingError(parent, chunked(Buffer.from([0xfd, 0x37, 0x7a, 0x58, 0x5a, 0x00, 1, 2, 3])));
    expect((err as Error).message).toMatch(/xz-compressed layers are not supported/);
  });
});
