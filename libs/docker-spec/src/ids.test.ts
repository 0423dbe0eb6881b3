import { describe, expect, it } from "vitest";
import { generateRandomId, takeRandomBytes } from "./ids.js";

describe("random pool", () => {
  it("never hands out the same bytes twice, also across refills and for a request larger than what is left", () => {
    const ids = Array.from({ length: 1000 }, generateRandomId);
    expect(new Set(ids).size).toBe(ids.length);
    const seen = new Set<string>();
    for (let i = 0; i < 500; i++) seen.add(takeRandomBytes(17).toString("hex"));
    expect(seen.size).toBe(500);
    expect(takeRandomBytes(4096)).toHaveLength(4096);
  });
});
