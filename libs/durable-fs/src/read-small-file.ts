import { closeSync, openSync, readFileSync, readlinkSync, readSync } from "node:fs";
import { readFile, readlink } from "node:fs/promises";

const scratch = Buffer.allocUnsafe(64 * 1024);

/**
 * Reads a metadata file synchronously with one open, read and close into a reused buffer. Start-up
 * recovery reads tens of thousands of such files before a store serves, and readFileSync's fstat and fresh
 * buffer per file are work those reads do not need. Larger files fall back to readFileSync.
 */
export function readSmallFileSync(path: string): string {
  const fd = openSync(path, "r");
  try {
    const length = readSync(fd, scratch, 0, scratch.length, 0);
    if (length < scratch.length) return scratch.toString("utf8", 0, length);
  } finally {
    closeSync(fd);
  }
  return readFileSync(path, "utf8");
}

/** A file's text, or the error reading it gave (ENOENT for a missing one). */
export type FileText = string | NodeJS.ErrnoException;

/** Reads probed synchronously before choosing how to read the rest. */
const PROBE_READS = 32;
/** Well above a synchronous read from the page cache (tens of microseconds); one that waits for the disk takes far more. */
const COLD_READ_MS = 0.15;
const READS_IN_FLIGHT = 32;

/**
 * Reads many small files for start-up recovery. While the page cache holds them, one synchronous read
 * after another is fastest (no thread-pool round trips). After a reboot it is the slowest: each read waits
 * for the disk in turn. So the first reads are timed, and when they show the disk being hit, the rest are
 * read with many in flight. Callers pass a few thousand paths at a time, so the choice follows the cache.
 */
export function readSmallFiles(paths: readonly string[], coldReadMs = COLD_READ_MS): Promise<FileText[]> {
  return readAdaptively(paths, readOrError, (path) => readFile(path, "utf8"), coldReadMs);
}

/** The targets of many symbolic links (or the errors), read as readSmallFiles reads files. */
export function readLinks(paths: readonly string[], coldReadMs = COLD_READ_MS): Promise<FileText[]> {
  return readAdaptively(paths, readlinkOrError, (path) => readlink(path), coldReadMs);
}

async function readAdaptively(
  paths: readonly string[],
  readNow: (path: string) => FileText,
  readLater: (path: string) => Promise<string>,
  coldReadMs: number,
): Promise<FileText[]> {
  const texts: FileText[] = [];
  const started = performance.now();
  for (const path of paths.slice(0, PROBE_READS)) texts.push(readNow(path));
  const cold = texts.length > 0 && (performance.now() - started) / texts.length > coldReadMs;
  const rest = paths.slice(texts.length);
  if (!cold) return texts.concat(rest.map(readNow));
  const read: FileText[] = new Array(rest.length);
  let next = 0;
  const reader = async () => {
    for (let i = next++; i < rest.length; i = next++) read[i] = await readLater(rest[i]!).catch((err: NodeJS.ErrnoException) => err);
  };
  await Promise.all(Array.from({ length: READS_IN_FLIGHT }, reader));
  return texts.concat(read);
}

function readlinkOrError(path: string): FileText {
  try {
    return readlinkSync(path);
  } catch (err) {
    return err as NodeJS.ErrnoException;
  }
}

function readOrError(path: string): FileText {
  try {
    return readSmallFileSync(path);
  } catch (err) {
    return err as NodeJS.ErrnoException;
  }
}
