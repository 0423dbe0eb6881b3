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
  private readonly aborted: Promise<never> | undefined;
  private stopListening: () => void = () => undefined;

  constructor(
    private readonly source: AsyncIterator<Uint8Array>,
    private readonly observe: (chunk: Buffer) => void,
    private readonly signal?: AbortSignal,
  ) {
    if (signal) {
      this.aborted = new Promise<never>((_, reject) => {
        const onAbort = (): void => reject(signal.reason);
        if (signal.aborted) onAbort();
        signal.addEventListener("abort", onAbort, { once: true });
        this.stopListening = () => signal.removeEventListener("abort", onAbort);
      });
      this.aborted.catch(() => undefined);
    }
  }

  /** Releases the source (a failed apply stops reading the client's stream) and the abort listener. */
  close(): void {
    this.stopListening();
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
        const next = this.source.next();
        result = this.aborted ? await Promise.race([next, this.aborted]) : await next;
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
}
