import { expect, it } from "vitest";
import { formatLogLine } from "./log-format.js";

it("shows pino lines as time, level, message and fields", () => {
  const line = JSON.stringify({ level: 30, time: "2026-11-28T07:50:01.123Z", app: "layer-store", msg: "rpc", code: "OK", durationMs: 1.5 });
  expect(formatLogLine(line)).toBe("07:50:01 INFO  rpc code=OK durationMs=1.5");
});

it("passes other lines through", () => {
  expect(formatLogLine("layer-store: port in use")).toBe("layer-store: port in use");
  expect(formatLogLine("{not json")).toBe("{not json");
});
