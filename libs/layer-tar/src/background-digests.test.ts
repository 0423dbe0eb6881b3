import { createHash, randomBytes } from "node:crypto";
import { describe, expect, it } from "vitest";
import { BackgroundDigests } from "./background-digests.js";
import { Crc64 } from "./crc64.js";

describe("background digests", () => {
  it("give the SHA-256 and CRC-64 of the chunks handed over, in order, with both lanes running", async () => {
    const data = randomBytes(3 << 20);
    const digests = new BackgroundDigests();
    const sha256 = digests.sha256();
    const crcs = [digests.crc64(), digests.crc64()];
    for (let offset = 0, i = 0; offset < data.length; offset += 65_537, i++) {
      const chunk = data.subarray(offset, offset + 65_537);
      digests.update(sha256, chunk);
      digests.update(crcs[i % 2]!, chunk);
    }
    await digests.settled();
    expect(digests.sha256Digest(sha256).toString("hex")).toBe(createHash("sha256").update(data).digest("hex"));
    const expected = [new Crc64(), new Crc64()];
    for (let offset = 0, i = 0; offset < data.length; offset += 65_537, i++) expected[i % 2]!.update(data.subarray(offset, offset + 65_537));
    expect(crcs).toEqual(expected.map((crc) => crc.digest()));
  });

  it("count what is not yet hashed, and catch up to a bound", async () => {
    const digests = new BackgroundDigests();
    const sha256 = digests.sha256();
    for (let i = 0; i < 16; i++) digests.update(sha256, Buffer.alloc(1 << 20, i));
    expect(digests.backlog).toBe(16 << 20);
    await digests.catchUp(4 << 20);
    expect(digests.backlog).toBeLessThanOrEqual(4 << 20);
    await digests.settled();
    expect(digests.backlog).toBe(0);
  });

  it("settle at once when nothing was handed over (an empty layer)", async () => {
    const digests = new BackgroundDigests();
    const sha256 = digests.sha256();
    await digests.settled();
    expect(digests.sha256Digest(sha256).toString("hex")).toBe(createHash("sha256").digest("hex"));
  });
});
