/**
 * JSON rendered as Go's encoding/json writes it (dockerd's files and API bodies): compact, object keys in
 * the order given (callers build objects in Go struct order, maps already sorted), HTML characters
 * `<`, `>`, `&` and U+2028/U+2029 escaped as `\u003c`…, control characters as `\u00XX` except `\n`, `\r`,
 * `\t` (Go 1.19, which built dockerd 20.10, has no `\b`/`\f` short forms).
 */
export function goJson(value: unknown): string {
  if (value === null || value === undefined) return "null";
  switch (typeof value) {
    case "string":
      return goString(value);
    case "number":
      return Number.isFinite(value) ? String(value) : "null";
    case "boolean":
      return value ? "true" : "false";
    case "bigint":
      return value.toString();
  }
  if (Array.isArray(value)) {
    let out = "[";
    for (let i = 0; i < value.length; i++) out += (i === 0 ? "" : ",") + goJson(value[i]);
    return `${out}]`;
  }
  if (value instanceof RawJson) return value.text;
  let out = "{";
  const member = (key: string, item: unknown) => {
    if (item !== undefined) out += `${out.length === 1 ? "" : ","}${goString(key)}:${goJson(item)}`;
  };
  if (value instanceof Map) for (const [key, item] of value) member(key as string, item);
  else for (const key in value) member(key, (value as Record<string, unknown>)[key]);
  return `${out}}`;
}

/** JSON text that is already in Go's form, spliced in as is (e.g. a stored Config inside config.v2.json). */
export class RawJson {
  constructor(readonly text: string) {}
}

/** The file form dockerd's json.Encoder writes: one compact line and a trailing newline. */
export function goJsonLine(value: unknown): string {
  return `${goJson(value)}\n`;
}

const NEEDS_ESCAPE = /[\u0000-\u001f"\\<>&\u2028\u2029]/;
const SHORT: Record<string, string> = { '"': '\\"', "\\": "\\\\", "\n": "\\n", "\r": "\\r", "\t": "\\t" };

function goString(text: string): string {
  if (!NEEDS_ESCAPE.test(text)) return `"${text}"`;
  let out = '"';
  for (const ch of text) {
    const short = SHORT[ch];
    if (short) out += short;
    else if (NEEDS_ESCAPE.test(ch)) out += `\\u${ch.charCodeAt(0).toString(16).padStart(4, "0")}`;
    else out += ch;
  }
  return `${out}"`;
}
