// Test helpers for layer tars, shared with the layer-store's gRPC tests ("@slipway/layer-tar/testing").
export { hostileCorpus, noise, type HostileTar } from "./hostile-corpus.js";
export { TarWriter, paxRecord, tarHeader, type HeaderFields } from "./tar-writer.js";

/** A buffer as a stream of chunks of the given size, as a client would send it. */
export async function* chunked(data: Buffer, size = 64 * 1024): AsyncGenerator<Buffer> {
  for (let offset = 0; offset < data.length; offset += size) yield data.subarray(offset, offset + size);
}
