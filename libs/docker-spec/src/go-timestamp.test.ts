import { describe, expect, it } from "vitest";
import { goTimestampNanos, parseGoDuration } from "./go-timestamp.js";

const NOW = new Date("2024-05-06T07:08:09.250Z");
const seconds = (iso: string) => BigInt(Date.parse(iso) / 1000) * 1_000_000_000n;

describe("goTimestampNanos (moby's GetTimestamp, then ParseTimestamps)", () => {
  it("counts a Go duration back from the reference, to the whole second", () => {
    expect(goTimestampNanos("10m", NOW)).toBe(seconds("2024-05-06T06:58:09Z"));
    expect(goTimestampNanos("1h30m", NOW)).toBe(seconds("2024-05-06T05:38:09Z"));
    expect(goTimestampNanos("1.5s", NOW)).toBe(seconds("2024-05-06T07:08:07Z"));
    expect(goTimestampNanos("-1h", NOW)).toBe(seconds("2024-05-06T08:08:09Z"));
  });

  it("takes Unix timestamps as they are, a fraction scaled to nanoseconds ('0' too: it is no duration here)", () => {
    expect(goTimestampNanos("1700000000", NOW)).toBe(1_700_000_000_000_000_000n);
    expect(goTimestampNanos("1700000000.5", NOW)).toBe(1_700_000_000_500_000_000n);
    expect(goTimestampNanos("0", NOW)).toBe(0n);
  });

  it("parses RFC 3339 shapes with a zone, and without one in the reference's zone", () => {
    expect(goTimestampNanos("2024-01-02T03:04:05Z", NOW)).toBe(seconds("2024-01-02T03:04:05Z"));
    expect(goTimestampNanos("2024-01-02T03:04:05.123456789+02:00", NOW)).toBe(seconds("2024-01-02T01:04:05Z") + 123_456_789n);
    expect(goTimestampNanos("2024-01-02T03:04+01:00", NOW)).toBe(seconds("2024-01-02T02:04:00Z"));
    const zone = -NOW.getTimezoneOffset() * 60_000;
    expect(goTimestampNanos("2024-01-02", NOW)).toBe(seconds(new Date(Date.parse("2024-01-02T00:00:00Z") - zone).toISOString()));
    expect(goTimestampNanos("2024-01-02T03", NOW)).toBe(seconds(new Date(Date.parse("2024-01-02T03:00:00Z") - zone).toISOString()));
  });

  it.each([
    ["xyz", 'failed to parse value as time or duration: "xyz"'],
    ["12.x", 'failed to parse value as time or duration: "12.x"'],
    ["2020-13-01", 'parsing time "2020-13-01": month out of range'],
    ["2021-02-29", 'parsing time "2021-02-29": day out of range'],
    ["2020-01-01T25", 'parsing time "2020-01-01T25": hour out of range'],
    ["2020-1-01", 'parsing time "2020-1-01" as "2006-01-02": cannot parse "1-01" as "01"'],
    ["2020-01-01x", 'parsing time "2020-01-01x": extra text: "x"'],
  ])("refuses %s in the daemon's words", (value, message) => {
    expect(() => goTimestampNanos(value, NOW)).toThrow(message);
  });
});

describe("parseGoDuration", () => {
  it("reads Go's durations in milliseconds", () => {
    expect(parseGoDuration("1h2m3.5s")).toBe(3_723_500);
    expect(parseGoDuration("-1.5ms")).toBe(-1.5);
    expect(parseGoDuration("+0")).toBe(0);
    expect(parseGoDuration(".5us")).toBe(0.0005);
  });

  it.each([
    ["", 'time: invalid duration ""'],
    ["x", 'time: invalid duration "x"'],
    [".h", 'time: invalid duration ".h"'],
    ["10", 'time: missing unit in duration "10"'],
    ["3d", 'time: unknown unit "d" in duration "3d"'],
  ])("refuses %j in Go's words", (value, message) => {
    expect(() => parseGoDuration(value)).toThrow(message);
  });
});
