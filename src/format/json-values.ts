/**
 * JSON values assembled from tokens, with numbers read from their text: a number written with a
 * fraction or an exponent is a Float, one without is an Integer — exactly, beyond ±(2^53−1) too —
 * and Python's `NaN`, `Infinity`, `-Infinity` are Floats. Where a plain JavaScript number would
 * lose that (an integral float, -0.0, NaN, ±Infinity, a large integer), the value becomes the
 * typed wrapper of format 2 (`{"$float":"1"}`, `{"$int":"9223372036854775807"}`), marked with
 * {@link READ_NUMBER} so that a reader of the original layout can tell it from a map in the file.
 */
import { type JsonToken, JsonTokenizer } from "./json-tokens.js";

/** Marks a typed wrapper made from a number's text (a symbol: invisible to JSON.stringify and Object.keys). */
export const READ_NUMBER: unique symbol = Symbol("neo4j-backup.read-number");

/** A typed wrapper made from a number's text. */
export type ReadNumber = ({ $float: string } | { $int: string }) & { [READ_NUMBER]: true };

/** Whether `value` is a wrapper made from a number's text (rather than an object written in the file). */
export function isReadNumber(value: unknown): value is ReadNumber {
  return (
    typeof value === "object" && value !== null && (value as Record<symbol, unknown>)[READ_NUMBER] === true
  );
}

const floatWrapper = (value: number): ReadNumber => ({
  $float: Object.is(value, -0) ? "-0" : String(value),
  [READ_NUMBER]: true,
});

/**
 * The value of a number token (JSON number text, or `NaN`, `Infinity`, `-Infinity`): a plain number
 * when that is exact in format 2 (a safe integer, or a finite non-integral float), else a marked
 * `$float` or `$int` wrapper. A number written with digits that no float can hold (`1e400`) keeps
 * its text in the wrapper (`{"$float":"1e400"}`), which decoding refuses where it is found, rather
 * than becoming Infinity.
 */
export function exactNumber(text: string): number | ReadNumber {
  const value = Number(text);
  if (/[.eEaI]/.test(text)) {
    // a fraction, an exponent, NaN or Infinity: a float
    if (!Number.isFinite(value) && /\d/.test(text)) return { $float: text, [READ_NUMBER]: true };
    return Number.isInteger(value) || !Number.isFinite(value) ? floatWrapper(value) : value;
  }
  if (Number.isSafeInteger(value)) return value === 0 ? 0 : value;
  return { $int: text, [READ_NUMBER]: true };
}

/** What `JSON.parse` makes of a number token (for parts of a file where numbers are counts and sizes). */
export function plainNumber(text: string): number {
  return Number(text);
}

type Container = Record<string, unknown> | unknown[];

/**
 * Builds one JSON value from its tokens. Objects are plain objects as JSON.parse makes them (a key
 * `__proto__` is an own property); duplicate keys keep the last value, as JSON.parse does.
 *
 * With `record` set, the value is a record of a backup file and numbers are read with `number`
 * only where they are property values: directly in the record (version 1), in its `properties`
 * object (version 2), or in lists there. Inside any other object — a typed wrapper's body such as
 * a point's coordinates — they are read as JSON.parse reads them, so that the record's canonical
 * form (and its checksum) stays what its writer computed.
 */
export class JsonAssembler {
  private readonly stack: Container[] = [];
  private readonly keys: (string | null)[] = [];
  private readonly scopes: boolean[] = [];
  private key: string | null = null;
  private current: Container | null = null;
  /** Whether numbers in the current container are property values. */
  private exact = true;
  /** The finished value, once {@link done}. */
  value: unknown = undefined;
  /** True once the top-level value is complete. */
  done = false;

  constructor(
    private readonly number: (text: string) => unknown = exactNumber,
    private readonly record = false,
  ) {}

  /** Whether a container starting now holds property values (see the class comment). */
  private scopeOfNew(isObject: boolean): boolean {
    if (!this.record || this.current === null) return true;
    if (!isObject) return this.exact;
    return this.stack.length === 0 && !Array.isArray(this.current) && this.key === "properties";
  }

  /** Takes the next token of the value. */
  consume(token: JsonToken): void {
    switch (token.name) {
      case "startObject":
      case "startArray": {
        const isObject = token.name === "startObject";
        const exact = this.scopeOfNew(isObject);
        if (this.current) {
          this.stack.push(this.current);
          this.keys.push(this.key);
          this.scopes.push(this.exact);
        }
        this.current = isObject ? {} : [];
        this.key = null;
        this.exact = exact;
        return;
      }
      case "endObject":
      case "endArray": {
        const finished = this.current!;
        this.current = this.stack.pop() ?? null;
        this.key = this.keys.pop() ?? null;
        this.exact = this.scopes.pop() ?? true;
        this.save(finished);
        return;
      }
      case "keyValue":
        this.key = token.value;
        return;
      case "numberValue":
        this.save(this.exact ? this.number(token.value) : plainNumber(token.value));
        return;
      default:
        this.save(token.value);
    }
  }

  private save(value: unknown): void {
    const target = this.current;
    if (target === null) {
      this.value = value;
      this.done = true;
    } else if (Array.isArray(target)) {
      target.push(value);
    } else if (this.key === "__proto__") {
      Object.defineProperty(target, "__proto__", {
        value,
        enumerable: true,
        writable: true,
        configurable: true,
      });
    } else {
      target[this.key!] = value;
    }
  }
}

/**
 * Parses one whole JSON text with numbers read from their text ({@link exactNumber}): everywhere,
 * or with `record` only where a backup record holds property values (see {@link JsonAssembler}).
 * @throws JsonSyntaxError when the text is not one JSON value.
 */
export function parseJsonExact(text: string, record = false): unknown {
  const tokenizer = new JsonTokenizer();
  const tokens: JsonToken[] = [];
  tokenizer.feed(text, tokens);
  tokenizer.end(tokens);
  const assembler = new JsonAssembler(exactNumber, record);
  for (const token of tokens) assembler.consume(token);
  return assembler.value;
}
