/**
 * What a terminal shows after some output: the few controls the progress displays use (newline, carriage
 * return, cursor up and down, erase line) applied to a grid of lines. Enough to check a display by what a
 * person sees rather than by its escape bytes.
 */
export function terminalScreen(output: string): string[] {
  const lines: string[] = [""];
  let row = 0;
  let column = 0;
  const put = (text: string) => {
    const line = lines[row]!.padEnd(column);
    lines[row] = line.slice(0, column) + text + line.slice(column + text.length);
    column += text.length;
  };
  // eslint-disable-next-line no-control-regex -- the escape character is what these controls start with
  for (const token of output.match(/\x1b\[\d*[ABK]|\n|\r|[^\x1b\n\r]+/g) ?? []) {
    // eslint-disable-next-line no-control-regex -- as above
    const control = /^\x1b\[(\d*)([ABK])$/.exec(token);
    if (token === "\n") {
      row++;
      column = 0; // the terminal's own newline translation (onlcr) returns the carriage too
    } else if (token === "\r") column = 0;
    else if (control?.[2] === "A") row -= Number(control[1] || 1);
    else if (control?.[2] === "B") row += Number(control[1] || 1);
    else if (control?.[2] === "K") lines[row] = "";
    else put(token);
    if (row < 0) throw new Error("the cursor went above the output");
    while (lines.length <= row) lines.push("");
  }
  return lines.map((line) => line.trimEnd());
}
