import { mkdirSync, renameSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { describeSystemError, isSystemError } from "./system-errors.js";

function thrownBy(action: () => unknown): unknown {
  try {
    action();
  } catch (err) {
    return err;
  }
  throw new Error("expected a throw");
}

describe("system errors", () => {
  it("are told apart from other errors", () => {
    expect(isSystemError(thrownBy(() => mkdirSync("/nonexistent-slipway/a")))).toBe(true);
    expect(isSystemError(new Error("plain"))).toBe(false);
    expect(isSystemError(Object.assign(new Error("x"), { code: "ERR_STREAM_PREMATURE_CLOSE" }))).toBe(false);
  });

  it("read as Go's path and link errors do, in the system's words", () => {
    expect(describeSystemError(thrownBy(() => mkdirSync("/nonexistent-slipway/a")) as never)).toBe(
      "mkdir /nonexistent-slipway/a: no such file or directory",
    );
    expect(describeSystemError(thrownBy(() => renameSync("/nonexistent-slipway/a", "/nonexistent-slipway/b")) as never)).toBe(
      "rename /nonexistent-slipway/a /nonexistent-slipway/b: no such file or directory",
    );
    const full = Object.assign(new Error("ENOSPC: no space left on device, write"), { code: "ENOSPC", errno: -28, syscall: "write" });
    expect(describeSystemError(full)).toBe("write: no space left on device");
  });

  it("use Go's words where libuv's differ", () => {
    const failed = Object.assign(new Error("EIO: i/o error, fsync"), { code: "EIO", errno: -5, syscall: "fsync", path: "/a" });
    expect(describeSystemError(failed)).toBe("fsync /a: input/output error");
    expect(describeSystemError(thrownBy(() => mkdirSync("/")) as never)).toBe("mkdir /: file exists");
  });
});
