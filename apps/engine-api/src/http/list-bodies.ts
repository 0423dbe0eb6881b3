/** Enough for a few lists of 10,000 containers (~9 MB each). */
const DEFAULT_MAX_BYTES = 32 * 1024 * 1024;

interface KeptBody {
  readonly listVersion: string;
  readonly body: Buffer;
}

/**
 * The last GET /containers/json bodies, each with the list version container-config rendered it at. A
 * list asks for the current version first (one small call) and, while it is unchanged, answers the kept
 * body instead of moving megabytes through container-config and the orchestrator again.
 */
export class ListBodies {
  /** Oldest first: a hit moves its body to the end, eviction takes from the front. */
  private readonly kept = new Map<string, KeptBody>();
  private keptBytes = 0;

  constructor(private readonly maxBytes = DEFAULT_MAX_BYTES) {}

  /** The body kept for `query`, if it was rendered at `listVersion`. */
  get(query: string, listVersion: string): Buffer | undefined {
    const kept = this.kept.get(query);
    if (kept?.listVersion !== listVersion) return undefined;
    this.kept.delete(query);
    this.kept.set(query, kept);
    return kept.body;
  }

  /**
   * Passes `chunks` through and keeps them as the body of `query` once the stream has ended. The version
   * must have been read before the stream started: a change in between then only costs a miss.
   */
  async *keep(query: string, listVersion: string, chunks: AsyncIterable<Buffer>): AsyncIterable<Buffer> {
    const seen: Buffer[] = [];
    let bytes = 0;
    for await (const chunk of chunks) {
      if (bytes + chunk.length <= this.maxBytes) seen.push(chunk);
      bytes += chunk.length;
      yield chunk;
    }
    if (bytes > this.maxBytes) return;
    // After the response has ended, and as one copy: the received chunks are views that pin gRPC's receive buffers.
    setImmediate(() => this.store(query, { listVersion, body: Buffer.concat(seen, bytes) }));
  }

  private store(query: string, kept: KeptBody): void {
    this.forget(query);
    while (this.keptBytes + kept.body.length > this.maxBytes) this.forget(this.kept.keys().next().value!);
    this.kept.set(query, kept);
    this.keptBytes += kept.body.length;
  }

  private forget(query: string): void {
    const kept = this.kept.get(query);
    if (!kept) return;
    this.kept.delete(query);
    this.keptBytes -= kept.body.length;
  }
}
