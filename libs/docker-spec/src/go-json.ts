/**
 * JSON rendered as Go's encoding/json writes it (dockerd's files, API bodies, tar-split lines): compact,
 * object keys in the order given (callers build objects in Go struct order, maps already sorted), HTML
 * characters `<`, `>`, `&` and U+2028/U+2029 escaped as `\u003c`…, control characters as `\u00XX` except
 * `\n`, `\r`, `\t` (Go 1.19, which built dockerd 20.10, has no `\b`/`\f` short forms).
 */
export function goJson(value: unknown): string {
  if (value === null || value === undefined) return "null";
  switch (typeof value) {
    case "string":
      return goJsonString(value);
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
  if (value instanceof Map) for (const [key, item] of value) out = withMember(out, key as string, item);
  else for (const key in value) out = withMember(out, key, (value as Record<string, unknown>)[key]);
  return `${out}}`;
}

/** An object's text so far plus one member; an undefined item is left out, as JSON.stringify does. */
function withMember(out: string, key: string, item: unknown): string {
  return item === undefined ? out : `${out}${out.length === 1 ? "" : ","}${goJsonString(key)}:${goJson(item)}`;
}

/** JSON text that is already in Go's form, spliced in as is (e.g. a stored Config inside config.v2.json). */
export class RawJson {
  constructor(readonly text: string) {}
}

/** The file form dockerd's json.Encoder writes: one compact line and a trailing newline. */
export function goJsonLine(value: unknown): string {
  return `${goJson(value)}\n`;
}

// eslint-disable-next-line no-control-regex -- encoding/json escapes every control character
const ESCAPED = /["\\\u0000-\u001f<>&\u2028\u2029]/g;
// eslint-disable-next-line no-control-regex -- the same characters: a string of none of them is written as is
const NOTHING_TO_ESCAPE = /^[^"\\\u0000-\u001f<>&\u2028\u2029]*$/;
const SHORT: Record<string, string> = { '"': '\\"', "\\": "\\\\", "\n": "\\n", "\r": "\\r", "\t": "\\t" };

function escapeChar(char: string): string {
  return SHORT[char] ?? `\\u${char.charCodeAt(0).toString(16).padStart(4, "0")}`;
}

/**
 * A string as a Go-encoded JSON string literal, quotes included. Most strings need no escape, and testing
 * for that is much cheaper than a replace that finds nothing. Go writes invalid UTF-8 bytes as `\ufffd`; a
 * JS string has no bytes, so a caller holding raw bytes decides first (tar-split puts a name that is not
 * UTF-8 in `name_raw`), and a lone surrogate is written as is (JSON.stringify would escape it).
 */
export function goJsonString(text: string): string {
  if (text === "" || NOTHING_TO_ESCAPE.test(text)) return `"${text}"`;
  return `"${text.replace(ESCAPED, escapeChar)}"`;
}
