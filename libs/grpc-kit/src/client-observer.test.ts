import { notFound, SlipwayError } from "@slipway/errors";
import { describe, expect, it } from "vitest";
import { observedCall } from "./client-observer.js";
import type { MethodDefinition } from "./definitions.js";

const codec = {
  requestSerialize: () => Buffer.alloc(0),
  requestDeserialize: () => ({}),
  responseSerialize: () => Buffer.alloc(0),
  responseDeserialize: () => ({}),
};
const unary: MethodDefinition = { path: "/t.v1.T/Get", requestStream: false, responseStream: false, ...codec };
const stream: MethodDefinition = { path: "/t.v1.T/List", requestStream: false, responseStream: true, ...codec };

/** An observer that records how each call ended: "ok", or the kind of its error. */
function recorder() {
  const ends: string[] = [];
  const started = () => (err?: unknown) => ends.push(err === undefined ? "ok" : err instanceof SlipwayError ? err.kind : String(err));
  return { ends, started };
}

async function* three(fail?: Error) {
  yield 1;
  yield 2;
  if (fail) throw fail;
  yield 3;
}

describe("observedCall", () => {
  it("reports a unary call when its answer settles, with its error if it failed", async () => {
    const { ends, started } = recorder();
    const answers = [Promise.resolve("a"), Promise.reject(notFound("gone"))];
    const call = observedCall(() => answers.shift(), unary, started);
    await expect(call({})).resolves.toBe("a");
    await expect(call({})).rejects.toThrow("gone");
    expect(ends).toEqual(["ok", "not_found"]);
  });

  it("reports a response stream when it ends, fails, or is left by the caller (cancelled)", async () => {
    const { ends, started } = recorder();
    const streams = [three(), three(notFound("cut")), three()];
    const call = observedCall(() => streams.shift(), stream, started);
    const read = async (responses: unknown, upTo = Infinity) => {
      const seen: unknown[] = [];
      for await (const message of responses as AsyncIterable<unknown>) if (seen.push(message) >= upTo) break;
      return seen;
    };
    expect(await read(call({}))).toEqual([1, 2, 3]);
    await expect(read(call({}))).rejects.toThrow("cut");
    expect(await read(call({}), 1)).toEqual([1]);
    expect(ends).toEqual(["ok", "not_found", "cancelled"]);
  });
});
