/**
 * Go's json.Indent: re-indents JSON text without parsing it, so key order, big numbers and escapes pass
 * through exactly as the server sent them (`docker inspect` prints the raw document this way).
 * Empty objects and arrays stay `{}` and `[]`.
 */
export function indentJson(raw: string, prefix: string, indent: string): string {
  let out = "";
  let depth = 0;
  let needIndent = false;
  const newline = () => `\n${prefix}${indent.repeat(depth)}`;
  for (let i = 0; i < raw.length; i++) {
    const c = raw[i]!;
    if (c === " " || c === "\t" || c === "\n" || c === "\r") continue;
    if (needIndent && c !== "]" && c !== "}") {
      out += newline();
      needIndent = false;
    }
    if (c === '"') {
      const end = stringEnd(raw, i);
      out += raw.slice(i, end);
      i = end - 1;
    } else if (c === "{" || c === "[") {
      out += c;
      depth++;
      needIndent = true;
    } else if (c === "}" || c === "]") {
      depth--;
      if (needIndent) needIndent = false;
      else out += newline();
      out += c;
    } else if (c === ",") {
      out += c + newline();
    } else if (c === ":") {
      out += ": ";
    } else out += c;
  }
  return out;
}

function stringEnd(raw: string, start: number): number {
  for (let i = start + 1; i < raw.length; i++) {
    if (raw[i] === "\\") i++;
    else if (raw[i] === '"') return i + 1;
  }
  return raw.length;
}

/** What `docker inspect` prints for the raw documents it got: a JSON array, 4-space indent. */
export function inspectOutput(documents: readonly string[]): string {
  if (documents.length === 0) return "[]\n";
  return `[\n${documents.map((d) => `    ${indentJson(d.trim(), "    ", "    ")}`).join(",\n")}\n]\n`;
}
