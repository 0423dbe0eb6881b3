/**
 * Now as Go's RFC3339Nano in UTC: fractional seconds without trailing zeros, e.g.
 * "2026-11-28T06:37:31.882212933Z". Node's clock gives sub-microsecond digits via performance.now().
 */
export function rfc3339NanoNow(): string {
  const nowMs = performance.timeOrigin + performance.now();
  const wholeMs = Math.floor(nowMs);
  const nanosWithinMs = Math.floor((nowMs - wholeMs) * 1e6);
  return rfc3339Nano(new Date(wholeMs), nanosWithinMs);
}

export function rfc3339Nano(date: Date, extraNanos = 0): string {
  const nanos = date.getUTCMilliseconds() * 1_000_000 + extraNanos;
  const fraction = String(nanos).padStart(9, "0").replace(/0+$/, "");
  return `${date.toISOString().slice(0, 19)}${fraction ? `.${fraction}` : ""}Z`;
}
