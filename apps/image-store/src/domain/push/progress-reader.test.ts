import { describe, expect, it } from "vitest";
import { withProgress } from "./progress-reader.js";

async function read(chunks: number[], size: number, times: number[] = []): Promise<number[]> {
  const reports: number[] = [];
  let clock = 0;
  const source = async function* () {
    for (const [i, length] of chunks.entries()) {
      clock = times[i] ?? clock;
      yield Buffer.alloc(length);
    }
  };
  for await (const chunk of withProgress(source(), { size, report: (current) => reports.push(current), now: () => clock })) void chunk;
  return reports;
}

describe("withProgress", () => {
  it("reports every 1% of the size, at most every 100 ms, the final count at the end, then a full bar", async () => {
    // 1% of 10,000 is 100: a report after more than 100 new bytes, when the rate allows.
    expect(await read([50, 60, 101, 30, 200], 10_000, [0, 0, 50, 200, 300])).toEqual([110, 441, 441, 10_000]);
  });

  it("reports at most every 512 KiB for large layers, and always when the count reaches the size", async () => {
    const mib = 1024 * 1024;
    const reports = await read([mib / 4, mib / 4 + 1, mib / 2 - 1], mib * 100, [0, 1000, 2000]);
    expect(reports).toEqual([mib / 2 + 1, mib, mib * 100]);
    expect(await read([10, 10], 20, [0, 0])).toEqual([10, 20, 20]);
  });

  it("shows a full bar when the stream ends short of the size", async () => {
    expect(await read([10], 1000)).toEqual([10, 1000]);
  });
});
