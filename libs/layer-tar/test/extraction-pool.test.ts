import { mkdirSync, mkdtempSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { gzipSync } from "node:zlib";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ExtractionPool, InvalidLayerError, applyLayerTar } from "../src/index.js";
import { TarWriter, chunked, hostileCorpus, noise } from "../src/testing/index.js";
import { describeTree } from "./support.js";

/** A gzip layer with many small files, a large one, a hard link, a whiteout and a non-root owner. */
function sampleLayer(seed: number): Buffer {
  const tar = new TarWriter().dir("etc").file("etc/big", noise(1 << 20, seed));
  for (let i = 0; i < 200; i++) tar.file(`etc/small-${i}`, `content ${seed}-${i}`);
  return gzipSync(tar.hardlink("etc/big-link", "etc/big").file(".wh.gone", "").entry({ name: "owned", uid: 1000, gid: 1000 }).end());
}

describe("ExtractionPool", () => {
  let work: string;
  let pool: ExtractionPool;
  let dirs = 0;
  const diffDir = () => {
    const dir = join(work, `diff-${dirs++}`);
    mkdirSync(dir);
    return dir;
  };
  beforeAll(() => {
    work = mkdtempSync(join(tmpdir(), "extraction-pool-"));
    pool = new ExtractionPool(2);
  });
  afterAll(async () => {
    await pool.close();
    rmSync(work, { recursive: true, force: true });
  });

  it("extracts on workers exactly as on the calling thread, several layers at once (more than it has threads)", async () => {
    const layers = [1, 2, 3, 4].map(sampleLayer);
    const local = await Promise.all(layers.map(async (bytes) => ({ dir: diffDir(), bytes })));
    const expected = await Promise.all(local.map(({ dir, bytes }) => applyLayerTar(chunked(bytes, 100_000), dir)));
    const pooled = layers.map((bytes) => ({ dir: diffDir(), bytes }));
    const applied = await Promise.all(pooled.map(({ dir, bytes }) => pool.apply(chunked(bytes, 100_000), dir)));
    expect(applied).toEqual(expected);
    pooled.forEach(({ dir }, i) => expect(describeTree(dir)).toEqual(describeTree(local[i]!.dir)));
  });

  it("refuses each hostile tar with the error the calling thread gives, naming the same entry", async () => {
    for (const hostile of hostileCorpus()) {
      const local = await applyLayerTar(chunked(hostile.bytes, 777), diffDir()).catch((err: unknown) => err);
      const pooled = await pool.apply(chunked(hostile.bytes, 777), diffDir()).catch((err: unknown) => err);
      expect(pooled, hostile.name).toBeInstanceOf(InvalidLayerError);
      expect((pooled as Error).message, hostile.name).toBe((local as Error).message);
    }
  });

  it("passes the stream's failure on as the layer's, and keeps serving afterwards", async () => {
    const tar = new TarWriter().file("first", "x").file("second", noise(200_000)).end();
    async function* failing(): AsyncGenerator<Buffer> {
      yield tar.subarray(0, 100_000);
      throw new Error("client cancelled the stream");
    }
    const err = await pool.apply(failing(), diffDir()).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(InvalidLayerError);
    expect((err as InvalidLayerError).entry).toBe("second");
    expect((err as Error).message).toContain("client cancelled the stream");
    const dir = diffDir();
    await pool.apply(chunked(new TarWriter().file("after", "x").end()), dir);
    expect(readdirSync(dir)).toEqual(["after"]);
  });

  it("stops with the signal's reason when aborted while the worker waits for data, and stops reading the stream", async () => {
    const controller = new AbortController();
    let returned = false;
    async function* stalled(): AsyncGenerator<Buffer> {
      try {
        yield new TarWriter().file("first", "x").bytes();
        controller.abort(new Error("deadline exceeded"));
        await new Promise((resolve) => setTimeout(resolve, 50));
        yield new TarWriter().file("second", "x").bytes();
        await new Promise(() => undefined); // never sends more
      } finally {
        returned = true;
      }
    }
    const err = await pool.apply(stalled(), diffDir(), { signal: controller.signal }).catch((e: unknown) => e);
    expect((err as Error).message).toBe("deadline exceeded");
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(returned).toBe(true);
  });

  it("extracts on the calling thread with no threads, and after it is closed", async () => {
    const none = new ExtractionPool(0);
    const dir = diffDir();
    await none.apply(chunked(new TarWriter().file("here", "x").end()), dir);
    expect(readdirSync(dir)).toEqual(["here"]);
    const closed = new ExtractionPool(1);
    await closed.close();
    const other = diffDir();
    await closed.apply(chunked(new TarWriter().file("here", "x").end()), other);
    expect(readdirSync(other)).toEqual(["here"]);
  });
});
