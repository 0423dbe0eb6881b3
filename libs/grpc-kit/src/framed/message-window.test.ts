import { describe, expect, it } from "vitest";
import { grantAsTaken, MESSAGE_WINDOW, SendWindow } from "./message-window.js";

const settled = async (promise: Promise<unknown>) => {
  let done = false;
  void promise.then(() => (done = true));
  await new Promise((resolve) => setImmediate(resolve));
  return done;
};

describe("message windows", () => {
  it("let a sender send a window's worth, then wait for a grant", async () => {
    const window = new SendWindow();
    for (let i = 0; i < MESSAGE_WINDOW; i++) expect(await settled(window.next())).toBe(true);
    const next = window.next();
    expect(await settled(next)).toBe(false);
    window.grant(1);
    expect(await settled(next)).toBe(true);
  });

  it("release a waiting sender when the call ends", async () => {
    const window = new SendWindow();
    for (let i = 0; i < MESSAGE_WINDOW; i++) await window.next();
    const next = window.next();
    window.close();
    expect(await settled(next)).toBe(true);
    expect(await settled(window.next())).toBe(true);
  });

  it("grant every half window the reader takes", () => {
    const grants: number[] = [];
    const taken = grantAsTaken((count) => grants.push(count));
    for (let i = 0; i < MESSAGE_WINDOW * 2 + 3; i++) taken();
    expect(grants).toEqual([MESSAGE_WINDOW / 2, MESSAGE_WINDOW / 2, MESSAGE_WINDOW / 2, MESSAGE_WINDOW / 2]);
  });
});
