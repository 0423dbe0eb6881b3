import { describe, expect, it } from "vitest";
import { eventMessageLine, EventTimeError, parseEventTime } from "./event-message.js";

describe("eventMessageLine", () => {
  it("is dockerd 20.10's line for a container event: legacy fields, sorted attributes, Go's escaping", () => {
    const id = "afa0b92388298c4fedff9c4dfe8d82a26f0308f17cc162c1d09d851e4f030992";
    const attributes = { name: "t24-events-raw", x: "<a&b>", image: "golden:1", "org.example.version": "1.0", "org.example.name": "golden" };
    const line = eventMessageLine({ type: "container", action: "create", actorId: id, attributes, time: { seconds: 1796638148, nanos: 733090701 } });
    // Captured from the real dockerd (GET /events).
    expect(line).toBe(
      `{"status":"create","id":"${id}","from":"golden:1","Type":"container","Action":"create","Actor":{"ID":"${id}","Attributes":{"image":"golden:1","name":"t24-events-raw","org.example.name":"golden","org.example.version":"1.0","x":"\\u003ca\\u0026b\\u003e"}},"scope":"local","time":1796638148,"timeNano":1796638148733090701}\n`,
    );
  });

  it("has status and id but no from for images, and none of them for volumes", () => {
    const time = { seconds: 1, nanos: 5 };
    expect(eventMessageLine({ type: "image", action: "untag", actorId: "sha256:ab", attributes: { name: "sha256:ab" }, time })).toBe(
      '{"status":"untag","id":"sha256:ab","Type":"image","Action":"untag","Actor":{"ID":"sha256:ab","Attributes":{"name":"sha256:ab"}},"scope":"local","time":1,"timeNano":1000000005}\n',
    );
    expect(eventMessageLine({ type: "volume", action: "destroy", actorId: "v", attributes: { driver: "local" }, time })).toBe(
      '{"Type":"volume","Action":"destroy","Actor":{"ID":"v","Attributes":{"driver":"local"}},"scope":"local","time":1,"timeNano":1000000005}\n',
    );
  });
});

describe("parseEventTime", () => {
  it.each([
    ["1796638148", { seconds: 1796638148, nanos: 0 }],
    ["1796638148.733090701", { seconds: 1796638148, nanos: 733090701 }],
    ["1796638148.5", { seconds: 1796638148, nanos: 500_000_000 }],
    ["1796638148.000001", { seconds: 1796638148, nanos: 1000 }],
    ["-5", { seconds: -5, nanos: 0 }],
  ])("reads %s as Unix seconds and a fraction", (text, time) => {
    expect(parseEventTime(text)).toEqual(time);
  });

  it("reads nothing as no time", () => {
    expect(parseEventTime(null)).toBeUndefined();
    expect(parseEventTime("")).toBeUndefined();
  });

  it.each([
    ["abc", 'strconv.ParseInt: parsing "abc": invalid syntax'],
    ["2024-01-01T00:00:00Z", 'strconv.ParseInt: parsing "2024-01-01T00:00:00Z": invalid syntax'],
    ["1.5x", 'strconv.ParseInt: parsing "5x": invalid syntax'],
    ["10m", 'strconv.ParseInt: parsing "10m": invalid syntax'],
  ])("refuses %s with dockerd's words (the CLI converts RFC 3339 and durations first)", (text, message) => {
    expect(() => parseEventTime(text)).toThrow(new EventTimeError(message));
  });
});
