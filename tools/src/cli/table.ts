/**
 * Columns as docker's formatter prints them (Go text/tabwriter with minwidth 10, padding 3, blanks):
 * every column but the last is padded to max(10, widest cell + 3) characters.
 */
export function formatTable(header: readonly string[], rows: readonly (readonly string[])[]): string {
  const all = [header, ...rows];
  const widths = header.map((_, col) => Math.max(10, ...all.map((row) => width(row[col] ?? "") + 3)));
  return all
    .map((row) => row.map((cell, col) => (col === row.length - 1 ? cell : cell + " ".repeat(widths[col]! - width(cell)))).join(""))
    .map((line) => `${line}\n`)
    .join("");
}

/** Width in runes, as tabwriter counts UTF-8 text. */
function width(text: string): number {
  return [...text].length;
}

/** docker's Ellipsis: at most `max` runes, the last one "…" when cut. */
export function ellipsis(text: string, max: number): string {
  const runes = [...text];
  return runes.length <= max ? text : `${runes.slice(0, max - 1).join("")}…`;
}
