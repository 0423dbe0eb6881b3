/** JSON parsing that fails with Go's encoding/json texts, which is what dockerd's messages quote. */

/** JSON.parse, failing with an Error whose message is Go's json.Unmarshal syntax error text. */
export function parseJsonLikeGo(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch (err) {
    throw new Error(goSyntaxErrorText(text, (err as Error).message), { cause: err });
  }
}

function goSyntaxErrorText(text: string, nodeMessage: string): string {
  const position = /at position (\d+)/.exec(nodeMessage);
  const at = position ? Number(position[1]) : text.search(/\S/);
  if (at < 0 || at >= text.length || /end of JSON input/.test(nodeMessage)) return "unexpected end of JSON input";
  const c = goQuoteChar(text[at]!);
  if (/after JSON/.test(nodeMessage)) return `invalid character ${c} after top-level value`;
  if (/property name/.test(nodeMessage)) return `invalid character ${c} looking for beginning of object key string`;
  return `invalid character ${c} looking for beginning of value`;
}

function goQuoteChar(c: string): string {
  return c === "'" ? "'\\''" : `'${c}'`;
}
