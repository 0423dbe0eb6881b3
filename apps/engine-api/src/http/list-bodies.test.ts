import { describe, expect, it } from "vitest";
import { ListBodies } from "./list-bodies.js";

async function drain(chunks: AsyncIterable<Buffer>): Promise<string> {
  let text = "";
  for await (const chunk of chunks) text += chunk.toString();
  await new Promise(setImmediate);
  return text;
}

async function* streamOf(...parts: string[]): AsyncIterable<Buffer> {
  for (const part of parts) yield Buffer.from(part);
}

describe("kept list bodies", () => {
  it("pass the stream through and answer it again only for the same query at the same list version", async () => {
    const bodies = new ListBodies();
    expect(await drain(bodies.keep("all", "v1", streamOf("[1,", "2]")))).toBe("[1,2]");
    expect(String(bodies.get("all", "v1"))).toBe("[1,2]");
    expect(bodies.get("all", "v2")).toBeUndefined();
    expect(bodies.get("none", "v1")).toBeUndefined();
  });

  it("keep nothing from a stream that failed", async () => {
    const bodies = new ListBodies();
    async function* failing(): AsyncIterable<Buffer> {
      yield Buffer.from("[1,");
      throw new Error("cut");
    }
    await expect(drain(bodies.keep("all", "v1", failing()))).rejects.toThrow("cut");
    expect(bodies.get("all", "v1")).toBeUndefined();
  });

  it("stay under their byte budget by forgetting the least recently used, and never keep a body over it", async () => {
    const bodies = new ListBodies(10);
    await drain(bodies.keep("a", "v", streamOf("aaaa")));
    await drain(bodies.keep("b", "v", streamOf("bbbb")));
    bodies.get("a", "v");
    await drain(bodies.keep("c", "v", streamOf("cccc")));
    expect([bodies.get("a", "v"), bodies.get("b", "v"), bodies.get("c", "v")].map((b) => b?.toString())).toEqual(["aaaa", undefined, "cccc"]);
    expect(await drain(bodies.keep("big", "v", streamOf("0123456789", "x")))).toBe("0123456789x");
    expect(bodies.get("big", "v")).toBeUndefined();
    expect(String(bodies.get("c", "v"))).toBe("cccc");
  });
});
