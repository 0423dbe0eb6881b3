/**
 * The members of a JSON object as raw text, in document order. The inspect document is spliced from
 * the stored config.v2.json and hostconfig.json bytes this way, so key order, nulls and int64 values
 * that a JSON.parse round trip would reorder or round pass through unchanged.
 */
export function rawMembers(json: string): Map<string, string> {
  const members = new Map<string, string>();
  let i = skipSpace(json, 0);
  if (json[i] !== "{") throw new SyntaxError("expected a JSON object");
  i = skipSpace(json, i + 1);
  while (json[i] !== "}") {
    const keyEnd = endOfValue(json, i);
    const key = JSON.parse(json.slice(i, keyEnd)) as string;
    i = skipSpace(json, keyEnd);
    if (json[i] !== ":") throw new SyntaxError(`expected ":" after key ${JSON.stringify(key)}`);
    const start = skipSpace(json, i + 1);
    const end = endOfValue(json, start);
    members.set(key, json.slice(start, end));
    i = skipSpace(json, end);
    if (json[i] === ",") i = skipSpace(json, i + 1);
    else if (json[i] !== "}") throw new SyntaxError(`expected "," or "}" after ${JSON.stringify(key)}`);
  }
  return members;
}

/** The elements of a JSON array as raw text, in order. */
export function rawElements(json: string): string[] {
  const elements: string[] = [];
  let i = skipSpace(json, 0);
  if (json[i] !== "[") throw new SyntaxError("expected a JSON array");
  i = skipSpace(json, i + 1);
  while (json[i] !== "]") {
    const end = endOfValue(json, i);
    elements.push(json.slice(i, end));
    i = skipSpace(json, end);
    if (json[i] === ",") i = skipSpace(json, i + 1);
    else if (json[i] !== "]") throw new SyntaxError('expected "," or "]" after an array element');
  }
  return elements;
}

function skipSpace(json: string, i: number): number {
  while (i < json.length && " \t\r\n".includes(json[i]!)) i++;
  return i;
}

/** Index just past the JSON value starting at `start` (string, number, literal, object or array). */
function endOfValue(json: string, start: number): number {
  let depth = 0;
  for (let i = start; i < json.length; i++) {
    const c = json[i]!;
    if (c === '"') {
      i = endOfString(json, i) - 1;
      if (depth === 0) return i + 1;
    } else if (c === "{" || c === "[") depth++;
    else if (c === "}" || c === "]") {
      if (depth === 0) return i;
      if (--depth === 0) return i + 1;
    } else if (depth === 0 && (c === "," || " \t\r\n".includes(c))) return i;
  }
  if (depth > 0) throw new SyntaxError("unterminated JSON value");
  return json.length;
}

function endOfString(json: string, start: number): number {
  for (let i = start + 1; i < json.length; i++) {
    if (json[i] === "\\") i++;
    else if (json[i] === '"') return i + 1;
  }
  throw new SyntaxError("unterminated JSON string");
}

/** Builds a JSON object from members whose values are already JSON text, in the given order. */
export function objectFromRaw(members: Iterable<readonly [string, string]>): string {
  return `{${[...members].map(([k, v]) => `${JSON.stringify(k)}:${v}`).join(",")}}`;
}
