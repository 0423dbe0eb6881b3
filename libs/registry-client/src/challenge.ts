/**
 * WWW-Authenticate challenges (RFC 7235) as distribution's client reads them: the scheme lower-cased,
 * parameter names lower-cased, values as tokens or quoted strings with backslash escapes. A header may
 * hold several challenges ("Bearer realm=…, Basic realm=…"), and Node joins repeated headers with ", ",
 * so a new challenge starts wherever a token is not followed by "=".
 */

export interface Challenge {
  /** "bearer", "basic", … */
  readonly scheme: string;
  readonly parameters: Readonly<Record<string, string>>;
}

// RFC 2616 token characters: any visible ASCII except separators.
const TOKEN = /^[!#$%&'*+\-.^_`|~0-9A-Za-z]+/;

/** The challenges in one WWW-Authenticate header value (or several joined by ", "). */
export function parseChallenges(header: string): Challenge[] {
  const challenges: Challenge[] = [];
  let rest = header;
  let current: { scheme: string; parameters: Record<string, string> } | undefined;
  while (true) {
    rest = rest.replace(/^[\s,]+/, "");
    const token = TOKEN.exec(rest)?.[0];
    if (token === undefined) break;
    rest = rest.slice(token.length);
    const afterSpace = rest.replace(/^\s+/, "");
    if (current !== undefined && afterSpace.startsWith("=")) {
      const parsed = parameterValue(afterSpace.slice(1).replace(/^\s+/, ""));
      if (parsed === undefined) break;
      current.parameters[token.toLowerCase()] = parsed.value;
      rest = parsed.rest;
      continue;
    }
    current = { scheme: token.toLowerCase(), parameters: {} };
    challenges.push(current);
  }
  return challenges;
}

function parameterValue(s: string): { value: string; rest: string } | undefined {
  if (!s.startsWith('"')) {
    const token = TOKEN.exec(s)?.[0];
    return token === undefined ? undefined : { value: token, rest: s.slice(token.length) };
  }
  let value = "";
  for (let i = 1; i < s.length; i++) {
    const c = s[i]!;
    if (c === '"') return { value, rest: s.slice(i + 1) };
    if (c === "\\") i++;
    if (i < s.length) value += s[i];
  }
  return undefined; // an unterminated quoted string ends the header, as in Go
}
