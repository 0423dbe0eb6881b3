import { describe, expect, it } from "vitest";
import { childLower, generateLinkId, isLinkId } from "./overlay.js";

describe("overlay2 link ids and lower chains", () => {
  it("makes 26-character base32 StdEncoding link ids from fresh randomness", () => {
    const ids = new Set(Array.from({ length: 1000 }, generateLinkId));
    expect(ids.size).toBe(1000);
    for (const id of ids) expect(id).toMatch(/^[A-Z2-7]{26}$/);
    expect(isLinkId("7MMZX35OUI3GB2XHCICZT7ALXV")).toBe(true);
    expect(isLinkId("7MMZX35OUI3GB2XHCICZT7ALX1")).toBe(false);
  });

  it("puts the parent's link first, then the parent's own lowers, with no trailing separator", () => {
    expect(childLower({ id: "a", link: "BASE", lower: "" })).toBe("l/BASE");
    expect(childLower({ id: "b", link: "TOP", lower: "l/MID:l/BASE" })).toBe("l/TOP:l/MID:l/BASE");
  });
});
