// Comparing what a command printed with what the README shows. Both sides are normalised the same way, so
// that what changes from run to run (IDs, times, sizes, column widths) does not count, and the README's
// annotations for people are not compared. Pure.
import type { SourceLine } from "./markdown.js";

/** An expected line that is only this matches any number of lines (none included). */
export const ELLIPSIS = "…";

/**
 * A README annotation at the end of an output line: two or more spaces, then `# comment` or `(comment)`.
 * A line that is only an annotation (`   # comment`) is not output at all.
 */
const TRAILING_ANNOTATION = /\s{2,}(#.*|\(.*\))$/;

const RULES: readonly [RegExp, string][] = [
  // A registry on the loopback address: 127.0.0.1:5000 in the README, a free port in the README check.
  [/\b127\.0\.0\.1:\d+\b/g, "127.0.0.1:<port>"],
  // RFC 3339 times (inspect's Created) and dates ("until 2027-12-06").
  [/\b\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})/g, "<time>"],
  [/\b\d{4}-\d{2}-\d{2}\b/g, "<date>"],
  // Hex IDs: 64-hex IDs, sha256:<hex>, 12-hex short IDs and any prefix of 12 or more written before a `…`.
  [/\b(?=[0-9a-f]*\d)[0-9a-f]{12,64}\b/g, "<hex>"],
  // docker's relative times (go-units HumanDuration).
  [/\b(\d+|About an?|Less than a) (second|minute|hour|day|week|month|year)s? ago\b/g, "<time> ago"],
  // docker's sizes (go-units HumanSize / BytesSize).
  [/\b\d+(\.\d+)? ?(B|kB|KB|MB|GB|TB|KiB|MiB|GiB|TiB)\b/g, "<size>"],
];

/** A line as compared: annotation removed, IDs/times/sizes replaced, whitespace runs made one space; null if only an annotation. */
export function normalise(text: string): string | null {
  if (/^\s*#/.test(text)) return null;
  let out = text.replace(TRAILING_ANNOTATION, "");
  for (const [pattern, replacement] of RULES) out = out.replace(pattern, replacement);
  return out.replace(/\s+/g, " ").trim();
}

export interface Mismatch {
  /** The README line that does not match (the command's own line when output is missing or extra). */
  readonly line: number;
  /** The README's line as written, or "(no more output)". */
  readonly expected: string;
  /** The printed line, or "(no more output)". */
  readonly actual: string;
}

const END = "(no more output)";

/**
 * Compares a command's output with the README's lines after it. An expected line `…` matches any lines up to
 * the next expected line; a line ending in `…` matches any line that starts with what comes before it.
 * `commandLine` is reported when the program printed more than the README shows.
 */
export function compareOutput(expected: readonly SourceLine[], actualText: string, commandLine: number): Mismatch | undefined {
  const want = expected.flatMap((l) => {
    const n = normalise(l.text);
    return n === null ? [] : [{ ...l, n }];
  });
  const got = actualText
    .replace(/\r/g, "")
    .split("\n")
    .map((text) => ({ text, n: normalise(text) }))
    .filter((l): l is { text: string; n: string } => l.n !== null);
  while (got.length > 0 && got[got.length - 1]!.n === "") got.pop();
  while (want.length > 0 && want[want.length - 1]!.n === "") want.pop();

  const matches = (w: string, g: string) => (w.endsWith(ELLIPSIS) ? g.startsWith(w.slice(0, -ELLIPSIS.length).trimEnd()) : w === g);
  let g = 0;
  for (let w = 0; w < want.length; w++) {
    const line = want[w]!;
    if (line.n === ELLIPSIS) {
      const next = want[w + 1];
      if (!next) return undefined; // `…` last: whatever follows
      while (g < got.length && !matches(next.n, got[g]!.n)) g++;
      continue;
    }
    const actual = got[g];
    if (!actual) return { line: line.line, expected: line.text, actual: END };
    if (!matches(line.n, actual.n)) return { line: line.line, expected: line.text, actual: actual.text };
    g++;
  }
  if (g < got.length) return { line: want.length > 0 ? want[want.length - 1]!.line : commandLine, expected: END, actual: got[g]!.text };
  return undefined;
}

/** A mismatch as the test reports it: file:line, the command, expected and actual, and all it printed. */
export function formatMismatch(file: string, command: string, mismatch: Mismatch, output: string): string {
  return [
    `${file}:${mismatch.line}: the output of \`${command.split("\n")[0]}\` drifted from the README`,
    `  README:  ${mismatch.expected}`,
    `  printed: ${mismatch.actual}`,
    "  it printed:",
    ...output
      .replace(/\n$/, "")
      .split("\n")
      .map((l) => `    | ${l}`),
  ].join("\n");
}
