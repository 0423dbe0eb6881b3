import { Readable } from "node:stream";
import { expect } from "vitest";
import { EngineClient } from "../../src/bench/engine-client.js";
import { sampleImage } from "../../src/sample-image/sample-image.js";

/**
 * A refusal as dockerd words a disk fault: the system's message (`words`), no data-root path, no Node error
 * code. A create answers it as a 500; a load or a pull, as dockerd does, as the error line of its 200 stream.
 */
export function expectDiskError(reply: { status: number; body: string }, words: string, dataRoot: string): void {
  const streamed = reply.status === 200 && reply.body.includes('"errorDetail"');
  expect(streamed || reply.status === 500, reply.body).toBe(true);
  const last = JSON.parse(reply.body.trim().split("\n").at(-1)!) as { message?: string; error?: string };
  const text = (streamed ? last.error : last.message) ?? "";
  expect(text).toContain(words);
  expect(text).not.toContain(dataRoot);
  expect(text).not.toMatch(/\bE[A-Z]{3,}\b|ERR_/);
}

/** A client of `socketPath`'s engine, once it holds the sample image and a container "before" made from it. */
export async function seededEngine(socketPath: string): Promise<EngineClient> {
  const engine = new EngineClient(socketPath);
  expect((await engine.call("POST", "/images/load?quiet=1", Readable.from([sampleImage().archive]), "application/x-tar")).status).toBe(200);
  expect((await engine.call("POST", "/containers/create?name=before", JSON.stringify({ Image: "slipway-sample:1" }))).status).toBe(201);
  return engine;
}
