import { closeSync, constants, fstatSync, openSync, readSync } from "node:fs";
import { resolve } from "node:path";
import { Crc64 } from "./crc64.js";
import { byteString, displayName, escapesRoot, fsPath } from "./paths.js";
import { cleanPath } from "@slipway/docker-spec";
import { resolveDirectory } from "./scoped-path.js";
import { FILE_TYPE, readTarSplit } from "./tar-split.js";

const READ_CHUNK = 1 << 20;

/**
 * Streams back the byte-identical original tar of a layer from its tar-split metadata and its
 * extracted diff directory (the sha256 of the stream equals the layer's diffID). File contents are
 * checked against their recorded CRC-64; a mismatch or a missing file fails the stream.
 */
export async function* exportLayerTar(diffDir: string, tarSplit: Buffer): AsyncIterable<Buffer> {
  const root = byteString(resolve(diffDir));
  for await (const entry of readTarSplit(tarSplit)) {
    if (entry.type !== FILE_TYPE) {
      if (entry.payload.length > 0) yield entry.payload;
      continue;
    }
    if (entry.size === 0) continue;
    yield* readFileContent(root, byteString(entry.name), entry.size, entry.checksum);
  }
}

function* readFileContent(root: string, name: string, size: number, checksum: Buffer | null): Generator<Buffer> {
  const clean = cleanPath(name);
  if (name.startsWith("/") || escapesRoot(clean)) throw new Error(`tar-split names "${displayName(name)}", which is outside the layer`);
  const slash = clean.lastIndexOf("/");
  const parent = resolveDirectory(root, slash < 0 ? "." : clean.slice(0, slash));
  if (parent === null) throw new Error(`layer file "${displayName(name)}" is missing from the diff directory`);
  const fd = openSync(fsPath(`${parent}/${clean.slice(slash + 1)}`), constants.O_RDONLY | constants.O_NOFOLLOW);
  try {
    if (!fstatSync(fd).isFile()) throw new Error(`layer file "${displayName(name)}" is not a regular file`);
    const crc = new Crc64();
    for (let done = 0; done < size;) {
      const buffer = Buffer.allocUnsafe(Math.min(READ_CHUNK, size - done));
      const read = readSync(fd, buffer, 0, buffer.length, null);
      if (read === 0) throw new Error(`layer file "${displayName(name)}" is shorter than the ${size} bytes its tar-split records`);
      const chunk = buffer.subarray(0, read);
      crc.update(chunk);
      done += read;
      yield chunk;
    }
    if (checksum !== null && !crc.digest().equals(checksum)) {
      throw new Error(`layer file "${displayName(name)}" does not match its tar-split checksum (changed on disk?)`);
    }
  } finally {
    closeSync(fd);
  }
}
