import { randomBytes } from "node:crypto";
import { serverError } from "./model.js";

/**
 * Reads a request body as Go's json.Decoder.Decode does: the first JSON value only (trailing content
 * is ignored), `EOF` for an empty body, `unexpected EOF` for a cut-off one, Go's scanner messages for
 * syntax errors, and its nesting limit. All are 500s in dockerd 20.10.
 *
 * A number whose literal a JS number does not give back exactly (`1e3`, `1.0`, `9007199254740993`,
 * `1180591620717411303424`) comes back as a GoNumber holding the literal, because Go decides by the
 * literal: an integer field takes only an integer literal in its range, exactly. Every other number is a
 * plain JS number.
 */
export function parseFirstJsonValue(input: string | Uint8Array): unknown {
  const text = typeof input === "string" ? input : Buffer.from(input).toString("utf8");
  const scanner = new GoJsonScanner(text);
  scanner.skipSpace();
  if (scanner.atEnd()) throw serverError("EOF");
  scanner.value();
  const json = text.slice(0, scanner.pos);
  return scanner.edits.length === 0 ? JSON.parse(json) : parseWithEdits(json, scanner.edits);
}

/** A JSON number kept with its literal (see parseFirstJsonValue). */
export class GoNumber {
  constructor(readonly literal: string) {}
}

/**
 * Where the parsed value differs from JSON.parse's: a number literal kept as a GoNumber, or a container
 * nested deeper than any field of a create body, which reads as an empty one of its kind. Decoding it could
 * only fail on its kind ("cannot unmarshal array into …"), and JSON.parse would run out of stack first.
 */
interface Edit {
  readonly start: number;
  readonly end: number;
  readonly kind: "number" | "{}" | "[]";
}

/** Containers below this depth read as empty ones (see Edit). */
const DEEPEST_READ = 64;

/**
 * JSON.parse of `json` with the edits applied: a kept literal is swapped for a string no request can hold
 * (a random marker before the literal), which the reviver turns into a GoNumber.
 */
function parseWithEdits(json: string, edits: readonly Edit[]): unknown {
  const marker = `\\u0000${randomBytes(12).toString("hex")}:`;
  let edited = "";
  let from = 0;
  for (const { start, end, kind } of edits) {
    edited += json.slice(from, start) + (kind === "number" ? `"${marker}${json.slice(start, end)}"` : kind);
    from = end;
  }
  edited += json.slice(from);
  const prefix = JSON.parse(`"${marker}"`) as string;
  return JSON.parse(edited, (_key, value: unknown) =>
    typeof value === "string" && value.startsWith(prefix) ? new GoNumber(value.slice(prefix.length)) : value,
  );
}

/** encoding/json's scanner refuses a value nested deeper than this. */
const MAX_NESTING_DEPTH = 10_000;

const SPACE = new Set([" ", "\t", "\r", "\n"]);

/**
 * A syntax check with encoding/json's scanner wording; it stops at the end of the first value. Objects
 * and arrays are tracked on an explicit stack, so a deeply nested body meets Go's depth limit, not JS's.
 */
class GoJsonScanner {
  pos = 0;
  /** In text order: the number literals a JS number does not give back exactly, the containers too deep to read. */
  readonly edits: Edit[] = [];
  /** Where the container at DEEPEST_READ began. */
  private deepStart = 0;
  /** The closing brackets of the containers the scanner is in, innermost last. */
  private readonly closers: ("}" | "]")[] = [];

  constructor(private readonly text: string) {}

  atEnd(): boolean {
    return this.pos >= this.text.length;
  }

  skipSpace(): void {
    while (SPACE.has(this.text[this.pos] ?? "")) this.pos++;
  }

  /** One value; containers are scanned to their closing bracket. */
  value(): void {
    const closers = this.closers;
    for (;;) {
      const c = this.beginValue();
      if (c === "{" || c === "[") {
        if (closers.length === MAX_NESTING_DEPTH) throw invalid(c, "exceeded max depth");
        if (closers.length === DEEPEST_READ) this.deepStart = this.pos;
        const closer = c === "{" ? "}" : "]";
        this.pos++;
        this.skipSpace();
        if (this.peek() !== closer) {
          closers.push(closer);
          if (closer === "}") this.objectKey();
          continue;
        }
        this.pos++;
        this.closed(closers.length, closer);
      }
      if (!this.endValue()) return;
    }
  }

  /**
   * After a complete value: closes the containers it completes, then moves to the next member's value or
   * element. False when the outermost value is complete.
   */
  private endValue(): boolean {
    const closers = this.closers;
    while (closers.length > 0) {
      this.skipSpace();
      const closer = closers[closers.length - 1];
      const c = this.peek();
      this.pos++;
      if (c === closer) {
        closers.pop();
        this.closed(closers.length, closer);
        continue;
      }
      if (c !== ",") throw invalid(c, closer === "}" ? "after object key:value pair" : "after array element");
      if (closer === "}") {
        this.skipSpace();
        this.objectKey();
      }
      return true;
    }
    return false;
  }

  /** A container at `depth` just ended; the one at DEEPEST_READ is read as an empty one of its kind. */
  private closed(depth: number, closer: "}" | "]"): void {
    if (depth === DEEPEST_READ) this.edits.push({ start: this.deepStart, end: this.pos, kind: closer === "}" ? "{}" : "[]" });
  }

  /** A scalar value is scanned whole; a container only has its opening bracket looked at. */
  private beginValue(): string {
    this.skipSpace();
    const c = this.peek();
    if (c === "{" || c === "[") return c;
    if (c === '"') this.string();
    else if (c === "-" || isDigit(c)) this.number();
    else if (c === "t") this.literal("true");
    else if (c === "f") this.literal("false");
    else if (c === "n") this.literal("null");
    else throw invalid(c, "looking for beginning of value");
    return c;
  }

  /** An object member's key and colon; the scanner is then at its value. */
  private objectKey(): void {
    if (this.peek() !== '"') throw invalid(this.peek(), "looking for beginning of object key string");
    this.string();
    this.skipSpace();
    if (this.peek() !== ":") throw invalid(this.peek(), "after object key");
    this.pos++;
  }

  private string(): void {
    this.pos++;
    for (;;) {
      const c = this.peek();
      this.pos++;
      if (c === '"') return;
      if (c === "\\") this.escape();
      else if (c.charCodeAt(0) < 0x20) throw invalid(c, "in string literal");
    }
  }

  private escape(): void {
    const c = this.peek();
    this.pos++;
    if (c === "u") {
      for (let i = 0; i < 4; i++, this.pos++) if (!/[0-9a-fA-F]/.test(this.peek())) throw invalid(this.peek(), "in \\u hexadecimal character escape");
    } else if (!'"\\/bfnrt'.includes(c)) throw invalid(c, "in string escape code");
  }

  private number(): void {
    const start = this.pos;
    if (this.peek() === "-") this.pos++;
    if (!isDigit(this.peek())) throw invalid(this.peek(), "in numeric literal");
    if (this.peek() === "0") this.pos++;
    else this.digits();
    if (this.text[this.pos] === ".") {
      this.pos++;
      if (!isDigit(this.peek())) throw invalid(this.peek(), "after decimal point in numeric literal");
      this.digits();
    }
    if (this.text[this.pos] === "e" || this.text[this.pos] === "E") {
      this.pos++;
      if (this.text[this.pos] === "+" || this.text[this.pos] === "-") this.pos++;
      if (!isDigit(this.peek())) throw invalid(this.peek(), "in exponent of numeric literal");
      this.digits();
    }
    const literal = this.text.slice(start, this.pos);
    if (String(Number(literal)) !== literal && this.closers.length <= DEEPEST_READ) this.edits.push({ start, end: this.pos, kind: "number" });
  }

  private digits(): void {
    while (isDigit(this.text[this.pos] ?? "")) this.pos++;
  }

  private literal(word: string): void {
    for (let i = 0; i < word.length; i++, this.pos++) {
      if (this.peek() !== word[i]) throw invalid(this.peek(), `in literal ${word} (expecting ${quoteChar(word[i]!)})`);
    }
  }

  /** The next character; the body ending inside a value is Go's io.ErrUnexpectedEOF. */
  private peek(): string {
    if (this.atEnd()) throw serverError("unexpected EOF");
    return this.text[this.pos]!;
  }
}

const isDigit = (c: string) => c >= "0" && c <= "9";

/** Go's quoteChar: the offending byte in single quotes, escaped as strconv.Quote would. */
function quoteChar(c: string): string {
  if (c === "'") return "'\\''";
  if (c === '"') return "'\"'";
  const byte = Buffer.from(c, "utf8")[0]!;
  const quoted = JSON.stringify(String.fromCharCode(byte))
    .slice(1, -1)
    .replace(/\\u00([0-9a-f]{2})/g, "\\x$1");
  return `'${quoted}'`;
}

const invalid = (c: string, context: string) => serverError(`invalid character ${quoteChar(c)} ${context}`);
