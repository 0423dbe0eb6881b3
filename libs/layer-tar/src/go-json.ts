// JSON string encoding exactly as Go's encoding/json writes it (HTML-safe escapes, \u00XX for
// control characters), so tar-split lines match dockerd's byte for byte.
const HEX = "0123456789abcdef";

function escapeChar(char: string): string {
  switch (char) {
    case '"':
      return '\\"';
    case "\\":
      return "\\\\";
    case "\n":
      return "\\n";
    case "\r":
      return "\\r";
    case "\t":
      return "\\t";
    case "\u2028":
      return "\\u2028";
    case "\u2029":
      return "\\u2029";
    default: {
      const code = char.charCodeAt(0);
      return `\\u00${HEX[code >> 4]}${HEX[code & 0xf]}`;
    }
  }
}

const NEEDS_ESCAPE = /["\\\u0000-\u001f<>&\u2028\u2029]/g;

/** A Go-encoded JSON string literal, quotes included. */
export function goJsonString(text: string): string {
  return `"${text.replace(NEEDS_ESCAPE, escapeChar)}"`;
}
