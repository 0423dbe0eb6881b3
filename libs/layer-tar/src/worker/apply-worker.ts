/**
 * An extraction worker's entry: applies one layer at a time, as applyLayerTar does on the main thread, from
 * the chunks the owner of the layer's stream sends (see extraction-pool.ts).
 */
import { parentPort } from "node:worker_threads";
import { applyLayerTar } from "../apply.js";
import { SourceError } from "../byte-reader.js";
import { errorFields, type FromWorker, type ToWorker } from "./messages.js";
import { MessageSource } from "./message-source.js";

const port = parentPort!;
const send = (message: FromWorker, transfer: ArrayBuffer[] = []) => port.postMessage(message, transfer);
let source: MessageSource | undefined;
let abort: AbortController | undefined;

port.on("message", (message: ToWorker) => {
  if (message.type === "start") return void start(message.diffDir, message.log);
  if (message.type === "abort") return abort?.abort(new Error("the layer's registration was cancelled"));
  source?.receive(message.type === "chunk" ? message.data : message.type === "end" ? null : new SourceError(message.message));
});

async function start(diffDir: string, log: boolean): Promise<void> {
  source = new MessageSource(() => send({ type: "credit" }));
  abort = new AbortController();
  try {
    const logLine = log ? (line: string) => send({ type: "log", line }) : undefined;
    const { diffId, size, tarSplit } = await applyLayerTar(source, diffDir, { signal: abort.signal, log: logLine });
    const owned = new Uint8Array(tarSplit);
    send({ type: "done", diffId, size, tarSplit: owned }, [owned.buffer as ArrayBuffer]);
  } catch (err) {
    send({ type: "failed", error: errorFields(err) });
  }
}
