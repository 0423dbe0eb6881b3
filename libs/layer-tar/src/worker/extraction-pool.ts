import { resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { Worker } from "node:worker_threads";
import { applyLayerTar, type AppliedLayer } from "../apply.js";
import type { Logger } from "../extract.js";
import { errorFrom, type FromWorker, type ToWorker } from "./messages.js";

// The same file from src/ (tests) and dist/: the built worker in dist/worker/.
const WORKER = resolve(fileURLToPath(import.meta.url), "../../../dist/worker/apply-worker.js");
/** Chunks sent to a worker and not yet taken in: enough to keep it busy, few enough to bound memory. */
const WINDOW = 8;

export interface PooledApplyOptions {
  readonly signal?: AbortSignal;
  readonly log?: Logger;
}

/**
 * Layers extracted on worker threads, so that a pull's layers, which arrive at once, are extracted at once,
 * and the main thread keeps receiving. The stream stays with the caller: its chunks are copied to the worker
 * as they arrive, a few at a time. Once every worker is busy, a layer is extracted on the calling thread.
 * `threads` 0 extracts everything on the calling thread.
 */
export class ExtractionPool {
  private readonly idle: Worker[] = [];
  private started = 0;
  private closed = false;

  constructor(private readonly threads: number) {}

  /** applyLayerTar, on a worker when one is free. */
  async apply(source: AsyncIterable<Uint8Array>, diffDir: string, options: PooledApplyOptions = {}): Promise<AppliedLayer> {
    const worker = this.take();
    if (!worker) return applyLayerTar(source, diffDir, options);
    const applied = await applyOn(worker, source, diffDir, options).catch((err: unknown) => {
      if (err instanceof WorkerDied) throw err.error;
      this.give(worker);
      throw err;
    });
    this.give(worker);
    return applied;
  }

  /** Stops the idle workers; busy ones stop when their layer is done. */
  async close(): Promise<void> {
    this.closed = true;
    await Promise.all(this.idle.splice(0).map((worker) => worker.terminate()));
  }

  private take(): Worker | undefined {
    if (this.closed) return undefined;
    const worker = this.idle.pop();
    if (worker || this.started >= this.threads) return worker;
    this.started++;
    // Workers take only the profiling flags (a profile per thread): some others, --input-type for one, are refused in workers.
    const started = new Worker(WORKER, { execArgv: process.execArgv.filter((flag) => flag.startsWith("--cpu-prof")) });
    started.unref();
    started.once("exit", () => this.started--);
    return started;
  }

  private give(worker: Worker): void {
    if (this.closed) void worker.terminate();
    else this.idle.push(worker);
  }
}

/** The worker died (and so cannot be given back) with `error`. */
class WorkerDied {
  constructor(readonly error: Error) {}
}

function applyOn(worker: Worker, source: AsyncIterable<Uint8Array>, diffDir: string, { signal, log }: PooledApplyOptions): Promise<AppliedLayer> {
  const send = (message: ToWorker, transfer: ArrayBuffer[] = []) => worker.postMessage(message, transfer);
  let credit = WINDOW;
  let settled = false;
  let wake: (() => void) | undefined;
  const wakeFeeder = () => (wake?.(), (wake = undefined));
  return new Promise<AppliedLayer>((resolve, reject) => {
    const settle = (outcome: () => void) => {
      settled = true;
      worker.off("message", onMessage).off("error", onError).off("exit", onExit);
      signal?.removeEventListener("abort", onAbort);
      wakeFeeder();
      outcome();
    };
    const onMessage = (message: FromWorker) => {
      if (message.type === "credit") return void (credit++, wakeFeeder());
      if (message.type === "log") return log?.(message.line);
      if (message.type === "done")
        return settle(() => resolve({ diffId: message.diffId, size: message.size, tarSplit: Buffer.from(message.tarSplit) }));
      settle(() => reject(signal?.aborted ? signal.reason : errorFrom(message.error)));
    };
    const onError = (err: Error) => settle(() => reject(new WorkerDied(err)));
    const onExit = (code: number) => settle(() => reject(new WorkerDied(new Error(`the extraction worker exited with code ${code}`))));
    const onAbort = () => send({ type: "abort" });
    worker.on("message", onMessage).once("error", onError).once("exit", onExit);
    signal?.addEventListener("abort", onAbort, { once: true });
    send({ type: "start", diffDir, log: log !== undefined });
    void feed();
  });

  async function feed(): Promise<void> {
    const chunks = source[Symbol.asyncIterator]();
    try {
      for (;;) {
        while (credit === 0 && !settled) await new Promise<void>((resolve) => (wake = resolve));
        if (settled) return;
        const next = await chunks.next();
        if (settled) return;
        if (next.done) return send({ type: "end" });
        const data = new Uint8Array(next.value); // a copy the worker can own (the chunk may share a pooled buffer)
        credit--;
        send({ type: "chunk", data }, [data.buffer as ArrayBuffer]);
      }
    } catch (err) {
      if (!settled) send({ type: "source-error", message: err instanceof Error ? err.message : String(err) });
    } finally {
      if (settled) await chunks.return?.(undefined);
    }
  }
}
