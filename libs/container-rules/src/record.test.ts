import { describe, expect, it } from "vitest";
import { commandLine, rfc3339Nano } from "./record.js";

describe("container record helpers", () => {
  it("formats Created as RFC3339Nano with trailing zeros trimmed", () => {
    const date = new Date(Date.UTC(2026, 10, 28, 6, 37, 31, 882));
    expect(rfc3339Nano(date, 212933)).toBe("2026-11-28T06:37:31.882212933Z");
    expect(rfc3339Nano(date, 100000)).toBe("2026-11-28T06:37:31.8821Z");
    expect(rfc3339Nano(new Date(Date.UTC(2026, 0, 1)), 0)).toBe("2026-01-01T00:00:00Z");
  });

  it("shows the command as docker ps does", () => {
    expect(commandLine("/bin/sh", ["-c", "cat /srv/app/hello.txt; echo $GREETING"])).toBe("/bin/sh -c 'cat /srv/app/hello.txt; echo $GREETING'");
    expect(commandLine("/bin/bash", [])).toBe("/bin/bash");
  });
});
