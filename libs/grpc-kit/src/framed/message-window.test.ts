import { describe, expect, it } from "vitest";
import { BYTE_WINDOW, grantAsTaken, MESSAGE_WINDOW, SendWindow } from "./message-window.js";

const settled = async (promise: Promise<unknown>) => {
  let done = false;
  void promise.then(() => (done = true));
  await new Promise((resolve) => setImmediate(resolve));
  return done;
};

describe("message windows", () => {
  it("let a sender send a window's worth, then wait for a grant", async () => {
    const window = new SendWindow();
    for (let i = 0; i < MESSAGE_WINDOW; i++) expect(await settled(window.next(10))).toBe(true);
    const next = window.next(10);
    expect(await settled(next)).toBe(false);
    window.grant(1);
    expect(await settled(next)).toBe(true);
  });

  it("release a waiting sender when the call ends", async () => {
    const window = new SendWindow();
    for (let i = 0; i < MESSAGE_WINDOW; i++) await window.next(10);
    const next = window.next(10);
    window.close();
    expect(await settled(next)).toBe(true);
    expect(await settled(window.next(10))).toBe(true);
  });

  it("hold a sender back once a window's worth of bytes is outstanding, and return the bytes of the oldest messages granted", async () => {
    const window = new SendWindow();
    const quarter = BYTE_WINDOW / 4;
    for (let i = 0; i < 4; i++) expect(await settled(window.next(quarter))).toBe(true);
    const next = window.next(quarter);
    expect(await settled(next)).toBe(false);
    window.grant(1);
    expect(await settled(next)).toBe(true);
    expect(await settled(window.next(1))).toBe(false);
  });

  it("send a message larger than the byte window when nothing is outstanding", async () => {
    const window = new SendWindow();
    expect(await settled(window.next(BYTE_WINDOW * 2))).toBe(true);
    const next = window.next(1);
    expect(await settled(next)).toBe(false);
    window.grant(1);
    expect(await settled(next)).toBe(true);
  });

  it("grant every half window the reader takes", () => {
    const grants: number[] = [];
    const taken = grantAsTaken((count) => grants.push(count));
    for (let i = 0; i < MESSAGE_WINDOW * 2 + 3; i++) taken(Buffer.alloc(10));
    expect(grants).toEqual([MESSAGE_WINDOW / 2, MESSAGE_WINDOW / 2, MESSAGE_WINDOW / 2, MESSAGE_WINDOW / 2]);
  });

  it("grant every half window of bytes the reader takes", () => {
    const grants: number[] = [];
    const taken = grantAsTaken((count) => grants.push(count));
    for (let i = 0; i < 9; i++) taken(Buffer.alloc(BYTE_WINDOW / 8));
    expect(grants).toEqual([4, 4]);
  });
});
