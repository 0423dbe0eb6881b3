// PAX extended header records ("%d %s=%s\n"), validated as Go's archive/tar does.

/** A time from a PAX record or a header: whole seconds and nanoseconds. */
export interface TarTime {
  seconds: number;
  nanoseconds: number;
}

export class PaxError extends Error {}

/** Parses the records of one PAX header; keys and values are byte strings. Later records win. */
export function parsePaxRecords(data: Buffer): Map<string, string> {
  const records = new Map<string, string>();
  let rest = data.toString("latin1");
  while (rest.length > 0) {
    const space = rest.indexOf(" ");
    const lengthText = space < 0 ? "" : rest.slice(0, space);
    const length = /^[0-9]+$/.test(lengthText) ? Number(lengthText) : NaN;
    if (!(length >= 5) || length > rest.length || space + 1 >= length - 1 || rest[length - 1] !== "\n") {
      throw new PaxError("malformed PAX record");
    }
    const record = rest.slice(space + 1, length - 1);
    rest = rest.slice(length);
    const equals = record.indexOf("=");
    if (equals <= 0) throw new PaxError("malformed PAX record: no key");
    const key = record.slice(0, equals);
    const value = record.slice(equals + 1);
    const textual = key === "path" || key === "linkpath" || key === "uname" || key === "gname";
    if ((textual ? value : key).includes("\0")) throw new PaxError(`malformed PAX record "${key}": NUL byte`);
    records.set(key, value);
  }
  return records;
}

/** A PAX decimal integer (uid, gid, size). */
export function parsePaxInteger(value: string, key: string): number {
  if (!/^[+-]?[0-9]+$/.test(value)) throw new PaxError(`malformed PAX ${key} "${value}"`);
  const number = Number(value);
  if (!Number.isSafeInteger(number)) throw new PaxError(`PAX ${key} "${value}" is out of range`);
  return number;
}

/** A PAX time ("seconds[.fraction]"), to nanoseconds as Go's parsePAXTime truncates it. */
export function parsePaxTime(value: string, key: string): TarTime {
  const match = /^([+-]?[0-9]+)(?:\.([0-9]*))?$/.exec(value);
  if (!match) throw new PaxError(`malformed PAX ${key} "${value}"`);
  const seconds = Number(match[1]);
  if (!Number.isSafeInteger(seconds)) throw new PaxError(`PAX ${key} "${value}" is out of range`);
  const fraction = Number((match[2] ?? "").slice(0, 9).padEnd(9, "0"));
  const negative = match[1]!.startsWith("-");
  if (negative && fraction > 0) return { seconds: seconds - 1, nanoseconds: 1e9 - fraction };
  return { seconds, nanoseconds: fraction };
}
