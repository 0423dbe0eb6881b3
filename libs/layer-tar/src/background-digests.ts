import { native, type Sha256State } from "./native.js";

/**
 * Digests computed on libuv pool threads while extraction's main thread parses and writes (the diffID's
 * SHA-256 and the files' CRC-64; docs/benchmarks.md, "Digests on the pool"). Each kind has its own lane, so
 * the two run side by side; a lane runs one batch at a time, its updates in the order asked, so a state
 * is never updated from two threads. A chunk handed over must not change until settled().
 */
export class BackgroundDigests {
  private readonly sha256Lane = new DigestLane();
  private readonly crc64Lane = new DigestLane();

  /** A new SHA-256 state; read it with sha256Digest() once settled. */
  sha256(): Sha256State {
    return native.sha256Create();
  }

  /** A new CRC-64/ISO state: 8 bytes, big-endian, which hold the checksum once settled. */
  crc64(): Buffer {
    return Buffer.alloc(8);
  }

  update(state: Sha256State | Buffer, chunk: Buffer): void {
    (Buffer.isBuffer(state) ? this.crc64Lane : this.sha256Lane).update(state, chunk);
  }

  /** Bytes handed over and not yet hashed, in the lane furthest behind. */
  get backlog(): number {
    return Math.max(this.sha256Lane.backlog, this.crc64Lane.backlog);
  }

  /** Waits until the backlog is at most `bytes` (memory stays bounded when hashing falls behind). */
  async catchUp(bytes: number): Promise<void> {
    await Promise.all([this.sha256Lane.catchUp(bytes), this.crc64Lane.catchUp(bytes)]);
  }

  /** Waits until every update asked so far is applied; rejects if a batch failed. */
  async settled(): Promise<void> {
    await Promise.all([this.sha256Lane.settled(), this.crc64Lane.settled()]);
  }

  /** The digest of a SHA-256 state, once settled. */
  sha256Digest(state: Sha256State): Buffer {
    return native.sha256Digest(state);
  }
}

/**
 * The bytes a lane gathers before it sends a batch: a batch costs the main thread a pool hand-off and a
 * promise, which for a batch per source chunk or per small file would cost about what the hashing saves.
 */
const BATCH_BYTES = 256 << 10;

/** Updates gather until a batch's worth, or queue while a batch runs on a pool thread, and go as the next batch. */
class DigestLane {
  private states: Array<Sha256State | Buffer> = [];
  private chunks: Buffer[] = [];
  private queuedBytes = 0;
  private running: Promise<void> | undefined;
  private runningBytes = 0;

  update(state: Sha256State | Buffer, chunk: Buffer): void {
    this.states.push(state);
    this.chunks.push(chunk);
    this.queuedBytes += chunk.length;
    if (this.queuedBytes >= BATCH_BYTES) this.start();
  }

  get backlog(): number {
    return this.queuedBytes + this.runningBytes;
  }

  async catchUp(bytes: number): Promise<void> {
    while (this.backlog > bytes) {
      this.start();
      await this.running;
    }
  }

  async settled(): Promise<void> {
    for (this.start(); this.running; this.start()) await this.running;
  }

  private start(): void {
    if (this.running || this.chunks.length === 0) return;
    this.running = this.runQueued();
    this.running.catch(() => undefined); // a failure is reported by the next settled() or catchUp()
  }

  /** Runs batches while a batch's worth is queued; what is left waits for more, or for settled(). */
  private async runQueued(): Promise<void> {
    do {
      const batch = native.digestInBackground(this.states, this.chunks);
      this.runningBytes = this.queuedBytes;
      this.states = [];
      this.chunks = [];
      this.queuedBytes = 0;
      await batch;
      this.runningBytes = 0;
    } while (this.queuedBytes >= BATCH_BYTES);
    this.running = undefined;
  }
}
