/**
 * The `until` and `since` values of Docker's filters, as moby's api/types/time parses them: a Go duration
 * back from now, a Unix timestamp ("1700000000" or "1700000000.5"), or a date and time in one of the RFC 3339
 * shapes (in the daemon's time zone when it names none). Errors carry Go's and moby's texts.
 */

const NANOS_PER_SECOND = 1_000_000_000n;
const DURATION_UNITS: Readonly<Record<string, number>> = { ns: 1e-6, us: 1e-3, µs: 1e-3, μs: 1e-3, ms: 1, s: 1e3, m: 60e3, h: 3600e3 };

/** Go's time.ParseDuration, in milliseconds; throws with Go's text ("time: invalid duration \"x\"", …). */
export function parseGoDuration(value: string): number {
  const quoted = JSON.stringify(value);
  let rest = /^[-+]/.test(value) ? value.slice(1) : value;
  if (rest === "0") return 0;
  if (rest === "") throw new Error(`time: invalid duration ${quoted}`);
  let total = 0;
  while (rest !== "") {
    const [number, whole = "", fraction] = /^(\d*)(?:\.(\d*))?/.exec(rest)!;
    if (whole === "" && !fraction) throw new Error(`time: invalid duration ${quoted}`);
    rest = rest.slice(number.length);
    const unit = /^[^0-9.]*/.exec(rest)![0];
    if (unit === "") throw new Error(`time: missing unit in duration ${quoted}`);
    const scale = DURATION_UNITS[unit];
    if (scale === undefined) throw new Error(`time: unknown unit ${JSON.stringify(unit)} in duration ${quoted}`);
    total += Number(`${whole || "0"}.${fraction || "0"}`) * scale;
    rest = rest.slice(unit.length);
  }
  return value.startsWith("-") ? -total : total;
}

/** strconv.ParseInt's base-10 syntax. */
const GO_INT = /^[-+]?\d+$/;

/** moby's parseTimestamp: "<seconds>[.<fraction>]" to seconds and nanoseconds. */
function parseUnixTimestamp(value: string): bigint | undefined {
  const [seconds = "", fraction] = value.split(/\.(.*)/s, 2);
  if (!GO_INT.test(seconds) || (fraction !== undefined && !GO_INT.test(fraction))) return undefined;
  const nanos = fraction === undefined ? 0 : Math.trunc(Number(fraction) * 10 ** (9 - fraction.length));
  return BigInt(seconds) * NANOS_PER_SECOND + BigInt(nanos);
}

/** One element of a Go layout: a number of fixed (or, for the hour, 1–2) digits, a zone, or literal text. */
type LayoutElement = { text: string } & (
  { kind: "number"; field: Field; width: number; minWidth: number } | { kind: "fraction" } | { kind: "zone" } | { kind: "literal" }
);
type Field = "year" | "month" | "day" | "hour" | "minute" | "second";

const ELEMENTS: Record<string, LayoutElement> = {
  "2006": { text: "2006", kind: "number", field: "year", width: 4, minWidth: 4 },
  "01": { text: "01", kind: "number", field: "month", width: 2, minWidth: 2 },
  "02": { text: "02", kind: "number", field: "day", width: 2, minWidth: 2 },
  "15": { text: "15", kind: "number", field: "hour", width: 2, minWidth: 1 },
  "04": { text: "04", kind: "number", field: "minute", width: 2, minWidth: 2 },
  "05": { text: "05", kind: "number", field: "second", width: 2, minWidth: 2 },
  ".999999999": { text: ".999999999", kind: "fraction" },
  "Z07:00": { text: "Z07:00", kind: "zone" },
};
const LAYOUT_TOKEN = /2006|01|02|15|04|05|\.999999999|Z07:00|[^0-9.Z]+/g;

function layoutElements(layout: string): LayoutElement[] {
  return [...layout.matchAll(LAYOUT_TOKEN)].map(([token]) => ELEMENTS[token] ?? { text: token, kind: "literal" });
}

const MAXIMUM: Record<Field, number> = { year: 9999, month: 12, day: 31, hour: 23, minute: 59, second: 59 };

class GoParseError extends Error {}

interface Parsed {
  fields: Record<Field, number>;
  nanos: number;
  /** Minutes east of UTC named by the value; undefined when it names none. */
  offset?: number;
}

/** time.Parse of the layouts moby uses, with Go's error texts. */
function parseGoTime(layout: string, value: string): Parsed {
  const fields: Record<Field, number> = { year: 0, month: 1, day: 1, hour: 0, minute: 0, second: 0 };
  const parsed: Parsed = { fields, nanos: 0 };
  let rest = value;
  const cannotParse = (element: string) =>
    new GoParseError(
      `parsing time ${JSON.stringify(value)} as ${JSON.stringify(layout)}: cannot parse ${JSON.stringify(rest)} as ${JSON.stringify(element)}`,
    );
  const outOfRange = (what: string) => new GoParseError(`parsing time ${JSON.stringify(value)}: ${what} out of range`);
  for (const element of layoutElements(layout)) {
    if (element.kind === "literal") {
      if (!rest.startsWith(element.text)) throw cannotParse(element.text);
      rest = rest.slice(element.text.length);
    } else if (element.kind === "number") {
      const digits = new RegExp(`^\\d{${element.minWidth},${element.width}}`).exec(rest)?.[0];
      if (digits === undefined) throw cannotParse(element.text);
      const number = Number(digits);
      if (number > MAXIMUM[element.field] || (number === 0 && (element.field === "month" || element.field === "day")))
        throw outOfRange(element.field);
      fields[element.field] = number;
      rest = rest.slice(digits.length);
    } else if (element.kind === "fraction") {
      const fraction = /^[.,](\d+)/.exec(rest);
      if (fraction) {
        parsed.nanos = Number(fraction[1]!.slice(0, 9).padEnd(9, "0"));
        rest = rest.slice(fraction[0].length);
      }
    } else {
      const zone = /^(?:Z|([+-])(\d\d):(\d\d))/.exec(rest);
      if (!zone) throw cannotParse(element.text);
      parsed.offset = zone[1] ? (zone[1] === "-" ? -1 : 1) * (Number(zone[2]) * 60 + Number(zone[3])) : 0;
      rest = rest.slice(zone[0].length);
    }
  }
  if (rest !== "") throw new GoParseError(`parsing time ${JSON.stringify(value)}: extra text: ${JSON.stringify(rest)}`);
  if (fields.day > new Date(Date.UTC(fields.year, fields.month, 0)).getUTCDate()) throw outOfRange("day");
  return parsed;
}

/** The layout moby's GetTimestamp picks for a value, and whether the value names its own zone. */
function layoutFor(value: string): { layout: string; local: boolean } {
  const local = !(/[zZ+]/.test(value) || value.split("-").length - 1 === 3);
  const zone = local ? "" : "Z07:00";
  if (value.includes(".")) return { layout: `2006-01-02T15:04:05.999999999${zone}`, local };
  if (value.includes("T")) {
    let colons = value.split(":").length - 1;
    if (!local && !/[zZ]/.test(value) && colons > 0) colons--;
    return { layout: ["2006-01-02T15", "2006-01-02T15:04", "2006-01-02T15:04:05"][Math.min(colons, 2)] + zone, local };
  }
  return { layout: `2006-01-02${zone}`, local };
}

/**
 * moby's GetTimestamp and ParseTimestamps together: the time a filter value names, in nanoseconds since
 * the Unix epoch. A duration counts back from `reference`, to the whole second; a value without a zone is
 * in `reference`'s zone (the daemon's). Throws with the daemon's message for what it cannot parse.
 */
export function goTimestampNanos(value: string, reference: Date): bigint {
  const duration = value === "0" ? undefined : durationOrUndefined(value);
  if (duration !== undefined) return BigInt(Math.floor((reference.getTime() - duration) / 1000)) * NANOS_PER_SECOND;
  const { layout, local } = layoutFor(value);
  try {
    const { fields, nanos, offset } = parseGoTime(layout, value);
    const zoneMinutes = local ? -reference.getTimezoneOffset() : (offset ?? 0);
    const utcMillis = Date.UTC(fields.year, fields.month - 1, fields.day, fields.hour, fields.minute, fields.second) - zoneMinutes * 60_000;
    return BigInt(utcMillis / 1000) * NANOS_PER_SECOND + BigInt(nanos);
  } catch (err) {
    if (!(err instanceof GoParseError) || value.includes("-")) throw err;
    const timestamp = parseUnixTimestamp(value);
    if (timestamp === undefined) throw new Error(`failed to parse value as time or duration: ${JSON.stringify(value)}`, { cause: err });
    return timestamp;
  }
}

function durationOrUndefined(value: string): number | undefined {
  try {
    return parseGoDuration(value);
  } catch {
    return undefined;
  }
}
