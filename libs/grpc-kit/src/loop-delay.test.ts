import { expect, it } from "vitest";
import type { Logger } from "./logger.js";
import { reportEventLoopDelay } from "./loop-delay.js";

it("logs the event loop's delay every interval when asked, once per process, and a blocked loop shows in it", async () => {
  const lines: { fields: Record<string, number>; message: string }[] = [];
  const logger = { info: (fields: Record<string, number>, message: string) => lines.push({ fields, message }) } as unknown as Logger;
  const started = Date.now();
  reportEventLoopDelay(logger, {});
  reportEventLoopDelay(logger, { SLIPWAY_LOOP_DELAY_REPORT_SECONDS: "0.2" });
  reportEventLoopDelay(logger, { SLIPWAY_LOOP_DELAY_REPORT_SECONDS: "0.2" });
  await new Promise((resolve) => setTimeout(resolve, 30));
  const until = Date.now() + 120;
  while (Date.now() < until); // the loop is blocked for 120 ms
  await new Promise((resolve) => setTimeout(resolve, 300));
  // One reporter however often it is asked: at most one line per interval.
  expect(lines.length).toBeGreaterThanOrEqual(1);
  expect(lines.length).toBeLessThanOrEqual(Math.floor((Date.now() - started) / 200));
  expect(lines[0]!.message).toBe("event loop delay");
  expect(Math.max(...lines.map((line) => line.fields.maxMs!))).toBeGreaterThanOrEqual(100);
  expect(lines[0]!.fields.p50Ms).toBeLessThanOrEqual(lines[0]!.fields.p99Ms!);
});
