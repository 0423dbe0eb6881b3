/** go-units formatting, as the docker CLI and dockerd print sizes and ages. */

const DECIMAL_UNITS = ["B", "kB", "MB", "GB", "TB", "PB", "EB", "ZB", "YB"];
const BINARY_MULTIPLIERS: Record<string, number> = { b: 1, k: 1024, m: 1024 ** 2, g: 1024 ** 3, t: 1024 ** 4, p: 1024 ** 5 };

/** HumanSizeWithPrecision: decimal units, `precision` significant digits, trailing zeros dropped. */
export function humanSizeWithPrecision(bytes: number, precision: number): string {
  let size = bytes;
  let unit = 0;
  while (size >= 1000 && unit < DECIMAL_UNITS.length - 1) {
    size /= 1000;
    unit++;
  }
  return `${Number(size.toPrecision(precision))}${DECIMAL_UNITS[unit]}`;
}

/** HumanSize: 4 significant digits ("32.77kB", "1.997MB"), as progress bars show; `docker images` uses 3. */
export function humanSize(bytes: number): string {
  return humanSizeWithPrecision(bytes, 4);
}

/** HumanDuration: "Less than a second", "3 seconds", "About a minute", "41 minutes", "2 days", "56 years". */
export function humanDuration(ms: number): string {
  const seconds = Math.trunc(ms / 1000);
  if (seconds < 1) return "Less than a second";
  if (seconds === 1) return "1 second";
  if (seconds < 60) return `${seconds} seconds`;
  const minutes = Math.trunc(seconds / 60);
  if (minutes === 1) return "About a minute";
  if (minutes < 60) return `${minutes} minutes`;
  const hours = Math.trunc(ms / 3_600_000 + 0.5);
  if (hours === 1) return "About an hour";
  if (hours < 48) return `${hours} hours`;
  if (hours < 24 * 7 * 2) return `${Math.trunc(hours / 24)} days`;
  if (hours < 24 * 30 * 2) return `${Math.trunc(hours / 24 / 7)} weeks`;
  if (hours < 24 * 365 * 2) return `${Math.trunc(hours / 24 / 30)} months`;
  return `${Math.trunc(ms / 3_600_000 / 24 / 365)} years`;
}

/** RAMInBytes, as `-m 64m` is read: binary multiples, an optional "b" suffix ("64mb"), fractions allowed. */
export function ramInBytes(text: string): number {
  const match = /^(\d+(?:\.\d+)?)\s*([kmgtp]?)b?$/i.exec(text.trim());
  if (!match) throw new Error(`invalid size: '${text}'`);
  return Math.trunc(Number(match[1]) * BINARY_MULTIPLIERS[(match[2] || "b").toLowerCase()]!);
}
