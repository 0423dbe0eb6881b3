import { describe, expect, it } from "vitest";
import { RequestStream } from "./request-stream.js";

async function drain<T>(stream: AsyncIterable<T>): Promise<T[]> {
  const seen: T[] = [];
  for await (const message of stream) seen.push(message);
  return seen;
}

describe("RequestStream", () => {
  it("yields what is pushed, before and while it is read, and finishes when ended", async () => {
    const stream = new RequestStream<number>();
    stream.push(1);
    const read = drain(stream);
    stream.push(2);
    stream.end();
    expect(() => stream.push(3)).toThrow("a message pushed to a stream already ended");
    expect(await read).toEqual([1, 2]);
  });

  it("fails when cancelled, even with messages still queued", async () => {
    const stream = new RequestStream<number>();
    const read = drain(stream);
    await new Promise((resolve) => setTimeout(resolve, 1));
    stream.push(1);
    stream.cancel();
    await expect(read).rejects.toThrow("the caller cancelled the stream");
  });
});
