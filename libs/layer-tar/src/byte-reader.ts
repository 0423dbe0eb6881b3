/** The layer's source stream failed (the client cut it, the transport broke). */
export class SourceError extends Error {}

/**
 * Pull-based reads over an async byte stream: exact-size reads for headers, and chunk slices for
 * file content so that large files pass through without copies. Every byte is seen once by
 * `observe` (the diffID hash) when it is pulled from the source.
 */
export class ByteReader {
  private chunk: Buffer = Buffer.alloc(0);
  private offset = 0;
  private done = false;

  constructor(
    private readonly source: AsyncIterator<Uint8Array>,
    private readonly observe: (chunk: Buffer) => void,
    private readonly signal?: AbortSignal,
  ) {}

  /** Releases the source (a failed apply stops reading the client's stream). */
  close(): void {
    this.source.return?.().catch(() => undefined);
  }

  /** Up to `max` bytes from the current chunk (no copy), or null at the end of the stream. */
  async readChunk(max: number): Promise<Buffer | null> {
    if (this.offset >= this.chunk.length && !(await this.fill())) return null;
    const end = Math.min(this.chunk.length, this.offset + max);
    const slice = this.chunk.subarray(this.offset, end);
    this.offset = end;
    return slice;
  }

  /** Exactly `size` bytes, fewer only when the stream ends first. */
  async read(size: number): Promise<Buffer> {
    const first = await this.readChunk(size);
    if (first === null || first.length === size) return first ?? Buffer.alloc(0);
    const parts = [Buffer.from(first)];
    let length = first.length;
    while (length < size) {
      const next = await this.readChunk(size - length);
      if (next === null) break;
      parts.push(Buffer.from(next));
      length += next.length;
    }
    return Buffer.concat(parts, length);
  }

  private async fill(): Promise<boolean> {
    while (!this.done) {
      this.signal?.throwIfAborted();
      let result: IteratorResult<Uint8Array>;
      try {
        result = await this.nextOrAbort();
      } catch (err) {
        if (this.signal?.aborted) throw this.signal.reason;
        throw err;
      }
      if (result.done) {
        this.done = true;
        break;
      }
      if (result.value.length === 0) continue;
      this.chunk = Buffer.isBuffer(result.value) ? result.value : Buffer.from(result.value.buffer, result.value.byteOffset, result.value.length);
      this.offset = 0;
      this.observe(this.chunk);
      return true;
    }
    return false;
  }

  /**
   * The source's next chunk, or the abort. The listener lives for one read only: racing every read
   * against one long-lived abort promise would keep every chunk reachable, i.e. the whole layer in memory.
   */
  private nextOrAbort(): Promise<IteratorResult<Uint8Array>> {
    const next = this.source.next();
    const signal = this.signal;
    if (!signal) return next;
    return new Promise((resolve, reject) => {
      const onAbort = (): void => reject(signal.reason);
      signal.addEventListener("abort", onAbort, { once: true });
      if (signal.aborted) onAbort(); // the source may abort synchronously inside next()
      const settle = () => signal.removeEventListener("abort", onAbort);
      next.then(
        (r) => (settle(), resolve(r)),
        (e: unknown) => (settle(), reject(e)),
      );
    });
  }
}
