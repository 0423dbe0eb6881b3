import { describe, expect, it } from "vitest";
import { listedIds, withSizes } from "./list-sizes.js";

const ROW_A = '{"Id":"a","Names":["/x"],"Ports":[],"Labels":{"k":"v\\u003c"},"State":"created"}';
const ROW_B = '{"Id":"b","Names":["/y"],"Ports":[],"Labels":{},"State":"created"}';

describe("withSizes", () => {
  it("puts SizeRw and SizeRootFs after Ports, leaving every other byte of the row as it was", () => {
    const sizes = new Map([["a", { sizeRw: 12, sizeRootFs: 1982320 }]]);
    expect(withSizes(`[${ROW_A},${ROW_B}]`, sizes)).toBe(
      '[{"Id":"a","Names":["/x"],"Ports":[],"SizeRw":12,"SizeRootFs":1982320,"Labels":{"k":"v\\u003c"},"State":"created"},' + ROW_B + "]",
    );
  });

  it("leaves out zero sizes, as Go's omitempty does (dockerd's fresh container shows only SizeRootFs)", () => {
    const sizes = new Map([["b", { sizeRw: 0, sizeRootFs: 1982308 }]]);
    expect(withSizes(`[${ROW_B}]`, sizes)).toBe('[{"Id":"b","Names":["/y"],"Ports":[],"SizeRootFs":1982308,"Labels":{},"State":"created"}]');
  });

  it("keeps an empty list empty and lists the rows' Ids", () => {
    expect(withSizes("[]", new Map())).toBe("[]");
    expect(listedIds(`[${ROW_A},${ROW_B}]`)).toEqual(["a", "b"]);
  });
});
