/**
 * A streaming JSON tokenizer that keeps what `JSON.parse` throws away: the text of every number (so
 * `1.0` stays a float and `9223372036854775807` stays exact), the line each object or array starts
 * on, and Python's `NaN`, `Infinity` and `-Infinity` (which `json.dump` writes by default; they are
 * not JSON). Tokens carry the names stream-json gives them. Text is fed in chunks of any size; a
 * string, number or literal may span chunks, and no text is held beyond the token being read.
 */

/** One token of a JSON text. Numbers, NaN and ±Infinity are `numberValue`s with their text. */
export type JsonToken =
  | { name: "startObject" | "startArray"; line: number }
  | { name: "endObject" | "endArray" }
  | { name: "keyValue" | "stringValue" | "numberValue"; value: string }
  | { name: "nullValue"; value: null }
  | { name: "trueValue"; value: true }
  | { name: "falseValue"; value: false };

/** Malformed JSON; `line` is the 1-based line where reading stopped. */
export class JsonSyntaxError extends Error {
  readonly line: number;
  /** True when the text ended before the document did. */
  readonly truncated: boolean;
  constructor(message: string, line: number, truncated = false) {
    super(message);
    this.name = "JsonSyntaxError";
    this.line = line;
    this.truncated = truncated;
  }
}

const END_OBJECT: JsonToken = { name: "endObject" };
const END_ARRAY: JsonToken = { name: "endArray" };
const NULL: JsonToken = { name: "nullValue", value: null };
const TRUE: JsonToken = { name: "trueValue", value: true };
const FALSE: JsonToken = { name: "falseValue", value: false };

/** What may come next. */
const Expect = {
  Value: 0,
  /** After `[`: a value or `]`. */
  ValueOrEnd: 1,
  /** After `{`: a key or `}`. */
  KeyOrEnd: 2,
  /** After `,` in an object. */
  Key: 3,
  Colon: 4,
  CommaOrEnd: 5,
  /** After the top-level value: only whitespace. */
  Done: 6,
} as const;
type Expect = (typeof Expect)[keyof typeof Expect];

const LITERALS: [string, JsonToken | null][] = [
  ["true", TRUE],
  ["false", FALSE],
  ["null", NULL],
  ["NaN", null],
  ["Infinity", null],
  ["-Infinity", null],
];

const NUMBER = /^-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?$/;

const isNumberChar = (c: number): boolean =>
  (c >= 0x30 && c <= 0x39) || c === 0x2d || c === 0x2b || c === 0x2e || c === 0x65 || c === 0x45;

function describe(c: string): string {
  return c === "" ? "the end" : JSON.stringify(c);
}

/**
 * Splits JSON text into tokens, checking the grammar as it goes. Feed text with {@link feed}, then
 * call {@link end}; both push the tokens they complete onto `out`.
 */
export class JsonTokenizer {
  /** The 1-based line of the next character. */
  line = 1;
  private readonly stack: boolean[] = []; // true: object
  private expect: Expect = Expect.Value;
  /** Text of a number or literal cut off at the end of the last chunk. */
  private carry = "";
  /** An unfinished string: its pieces so far, whether it is a key, and whether it has escapes. */
  private stringParts: string[] | null = null;
  private stringIsKey = false;
  private stringEscaped = false;
  private escapePending = false;

  /** Tokenizes the next chunk of text. */
  feed(text: string, out: JsonToken[]): void {
    let buf = text;
    if (this.carry !== "") {
      buf = this.carry + text;
      this.carry = "";
    }
    let pos = 0;
    if (this.stringParts) {
      pos = this.continueString(buf, 0, out);
      if (pos < 0) return;
    }
    this.scan(buf, pos, out, false);
  }

  /** Ends the text: completes a number cut off at the end, and checks that the document is whole. */
  end(out: JsonToken[]): void {
    if (this.stringParts) throw new JsonSyntaxError("the text ends inside a string", this.line, true);
    const rest = this.carry;
    this.carry = "";
    if (rest !== "") this.scan(rest, 0, out, true);
    if (this.expect !== Expect.Done) {
      throw new JsonSyntaxError(
        this.stack.length === 0 && this.expect === Expect.Value ? "no JSON value" : "the text ends early",
        this.line,
        true,
      );
    }
  }

  private fail(message: string): never {
    throw new JsonSyntaxError(message, this.line);
  }

  private unexpected(buf: string, pos: number): never {
    if (this.expect === Expect.Done)
      this.fail(`unexpected ${describe(buf[pos] ?? "")} after the end of the JSON value`);
    this.fail(`unexpected ${describe(buf[pos] ?? "")}`);
  }

  private afterValue(): void {
    this.expect = this.stack.length === 0 ? Expect.Done : Expect.CommaOrEnd;
  }

  private isValuePosition(): boolean {
    return this.expect === Expect.Value || this.expect === Expect.ValueOrEnd;
  }

  private scan(buf: string, start: number, out: JsonToken[], final: boolean): void {
    const length = buf.length;
    let pos = start;
    while (pos < length) {
      const c = buf.charCodeAt(pos);
      switch (c) {
        case 0x20:
        case 0x09:
        case 0x0d:
          pos++;
          continue;
        case 0x0a:
          this.line++;
          pos++;
          continue;
        case 0x7b: // {
        case 0x5b: // [
          if (!this.isValuePosition()) this.unexpected(buf, pos);
          this.stack.push(c === 0x7b);
          out.push({ name: c === 0x7b ? "startObject" : "startArray", line: this.line });
          this.expect = c === 0x7b ? Expect.KeyOrEnd : Expect.ValueOrEnd;
          pos++;
          continue;
        case 0x7d: // }
        case 0x5d: {
          // ]
          const object = c === 0x7d;
          const open = this.expect === (object ? Expect.KeyOrEnd : Expect.ValueOrEnd);
          if (!(open || this.expect === Expect.CommaOrEnd) || this.stack[this.stack.length - 1] !== object) {
            this.unexpected(buf, pos);
          }
          this.stack.pop();
          out.push(object ? END_OBJECT : END_ARRAY);
          this.afterValue();
          pos++;
          continue;
        }
        case 0x2c: // ,
          if (this.expect !== Expect.CommaOrEnd) this.unexpected(buf, pos);
          this.expect = this.stack[this.stack.length - 1] ? Expect.Key : Expect.Value;
          pos++;
          continue;
        case 0x3a: // :
          if (this.expect !== Expect.Colon) this.unexpected(buf, pos);
          this.expect = Expect.Value;
          pos++;
          continue;
        case 0x22: {
          // "
          const key = this.expect === Expect.KeyOrEnd || this.expect === Expect.Key;
          if (!key && !this.isValuePosition()) this.unexpected(buf, pos);
          this.stringParts = [];
          this.stringIsKey = key;
          this.stringEscaped = false;
          this.escapePending = false;
          pos = this.continueString(buf, pos + 1, out);
          if (pos < 0) return;
          continue;
        }
        default: {
          if (!this.isValuePosition()) this.unexpected(buf, pos);
          const next = this.scalar(buf, pos, out, final);
          if (next < 0) return;
          pos = next;
        }
      }
    }
  }

  /**
   * Reads string characters from `pos` up to the closing quote. Returns the position after it, or
   * -1 when the chunk ends first (the string continues in the next chunk).
   */
  private continueString(buf: string, pos: number, out: JsonToken[]): number {
    const length = buf.length;
    let i = pos;
    if (this.escapePending) {
      this.escapePending = false;
      if (i < length) i++;
    }
    for (; i < length; i++) {
      const c = buf.charCodeAt(i);
      if (c === 0x22) break;
      if (c === 0x5c) {
        this.stringEscaped = true;
        if (i + 1 >= length) {
          this.escapePending = true;
          i = length;
          break;
        }
        i++;
      } else if (c < 0x20) {
        this.fail(c === 0x0a ? "a line break inside a string" : "a control character inside a string");
      }
    }
    const parts = this.stringParts!;
    if (i >= length) {
      parts.push(buf.slice(pos));
      return -1;
    }
    parts.push(buf.slice(pos, i));
    const raw = parts.length === 1 ? parts[0]! : parts.join("");
    this.stringParts = null;
    let value = raw;
    if (this.stringEscaped) {
      try {
        value = JSON.parse(`"${raw}"`) as string;
      } catch {
        this.fail("an invalid escape inside a string");
      }
    }
    if (this.stringIsKey) {
      out.push({ name: "keyValue", value });
      this.expect = Expect.Colon;
    } else {
      out.push({ name: "stringValue", value });
      this.afterValue();
    }
    return i + 1;
  }

  /** A number or literal at `pos`; -1 when it may continue in the next chunk. */
  private scalar(buf: string, pos: number, out: JsonToken[], final: boolean): number {
    const c = buf.charCodeAt(pos);
    if (c === 0x2d ? buf.charCodeAt(pos + 1) !== 0x49 : c >= 0x30 && c <= 0x39) {
      let end = pos + 1;
      while (end < buf.length && isNumberChar(buf.charCodeAt(end))) end++;
      if (end === buf.length && !final) {
        this.carry = buf.slice(pos);
        return -1;
      }
      const text = buf.slice(pos, end);
      if (!NUMBER.test(text)) this.fail(`invalid number ${JSON.stringify(text)}`);
      out.push({ name: "numberValue", value: text });
      this.afterValue();
      return end;
    }
    if (c === 0x2d && pos + 1 >= buf.length && !final) {
      this.carry = buf.slice(pos);
      return -1;
    }
    for (const [word, token] of LITERALS) {
      if (buf.startsWith(word, pos)) {
        out.push(token ?? { name: "numberValue", value: word });
        this.afterValue();
        return pos + word.length;
      }
      if (buf.length - pos < word.length && word.startsWith(buf.slice(pos))) {
        if (final) throw new JsonSyntaxError("the text ends early", this.line, true);
        this.carry = buf.slice(pos);
        return -1;
      }
    }
    this.unexpected(buf, pos);
  }
}
