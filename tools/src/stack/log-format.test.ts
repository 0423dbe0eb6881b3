import { expect, it } from "vitest";
import { formatLogLine } from "./log-format.js";

it("shows pino lines as the app they name, time, level, message and fields", () => {
  const line = JSON.stringify({ level: 30, time: "2026-11-28T07:50:01.123Z", name: "layer-store", msg: "rpc", code: "OK", durationMs: 1.5 });
  expect(formatLogLine(line, "slipway")).toBe("[layer-store]      07:50:01 INFO  rpc code=OK durationMs=1.5");
});

it("passes other lines through behind the process's name", () => {
  expect(formatLogLine("layer-store: port in use", "slipway")).toBe("[slipway]          layer-store: port in use");
  expect(formatLogLine("{not json", "engine-api")).toBe("[engine-api]       {not json");
});
