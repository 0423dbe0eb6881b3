import { serverError } from "./model.js";

/**
 * Reads a request body as Go's json.Decoder.Decode does: the first JSON value only (trailing content
 * is ignored), `EOF` for an empty body, `unexpected EOF` for a cut-off one, and Go's scanner messages
 * for syntax errors. All are 500s in dockerd 20.10.
 */
export function parseFirstJsonValue(input: string | Uint8Array): unknown {
  const text = typeof input === "string" ? input : Buffer.from(input).toString("utf8");
  const scanner = new GoJsonScanner(text);
  scanner.skipSpace();
  if (scanner.atEnd()) throw serverError("EOF");
  scanner.value();
  return JSON.parse(text.slice(0, scanner.pos));
}

const SPACE = new Set([" ", "\t", "\r", "\n"]);

/** A syntax check with encoding/json's scanner wording; it stops at the end of the first value. */
class GoJsonScanner {
  pos = 0;

  constructor(private readonly text: string) {}

  atEnd(): boolean {
    return this.pos >= this.text.length;
  }

  skipSpace(): void {
    while (SPACE.has(this.text[this.pos] ?? "")) this.pos++;
  }

  value(): void {
    this.skipSpace();
    const c = this.peek();
    if (c === "{") this.object();
    else if (c === "[") this.array();
    else if (c === '"') this.string();
    else if (c === "-" || isDigit(c)) this.number();
    else if (c === "t") this.literal("true");
    else if (c === "f") this.literal("false");
    else if (c === "n") this.literal("null");
    else throw invalid(c, "looking for beginning of value");
  }

  private object(): void {
    this.pos++;
    this.skipSpace();
    if (this.peek() === "}") return void this.pos++;
    for (;;) {
      if (this.peek() !== '"') throw invalid(this.peek(), "looking for beginning of object key string");
      this.string();
      this.skipSpace();
      if (this.peek() !== ":") throw invalid(this.peek(), "after object key");
      this.pos++;
      this.value();
      this.skipSpace();
      const c = this.peek();
      this.pos++;
      if (c === "}") return;
      if (c !== ",") throw invalid(c, "after object key:value pair");
      this.skipSpace();
    }
  }

  private array(): void {
    this.pos++;
    this.skipSpace();
    if (this.peek() === "]") return void this.pos++;
    for (;;) {
      this.value();
      this.skipSpace();
      const c = this.peek();
      this.pos++;
      if (c === "]") return;
      if (c !== ",") throw invalid(c, "after array element");
    }
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
