/** The part of docs/benchmarks.md that `npm run bench -- --docs` rewrites; the rest is written by people. */
export const BEGIN = "<!-- bench:last-run:begin (written by npm run bench -- --docs) -->";
export const END = "<!-- bench:last-run:end -->";

/**
 * The benchmarks document with its generated section replaced by `generated`; the hand-written text
 * around the markers is kept. A file without markers (or none at all) gets the section first.
 */
export function spliceLastRun(existing: string | undefined, generated: string): string {
  const section = `${BEGIN}\n${generated.trim()}\n${END}`;
  if (existing === undefined) return `# Benchmarks\n\n${section}\n`;
  const begin = existing.indexOf(BEGIN);
  const end = existing.indexOf(END);
  if (begin === -1 || end < begin) return `${section}\n\n${existing}`;
  return `${existing.slice(0, begin)}${section}${existing.slice(end + END.length)}`;
}
