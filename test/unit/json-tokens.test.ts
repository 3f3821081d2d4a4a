import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { type JsonToken, JsonTokenizer } from "../../src/format/json-tokens.js";
import { exactNumber, JsonAssembler, parseJsonExact, plainNumber } from "../../src/format/json-values.js";

/** Tokenizes `text` fed in the given pieces and assembles it, numbers as JSON.parse reads them. */
function parsePieces(pieces: string[], number: (text: string) => unknown = plainNumber): unknown {
  const tokenizer = new JsonTokenizer();
  const tokens: JsonToken[] = [];
  for (const piece of pieces) tokenizer.feed(piece, tokens);
  tokenizer.end(tokens);
  const assembler = new JsonAssembler(number);
  for (const token of tokens) assembler.consume(token);
  expect(assembler.done).toBe(true);
  return assembler.value;
}

/** Cuts `text` at the given offsets. */
function cut(text: string, offsets: number[]): string[] {
  const at = [...new Set(offsets.map((o) => o % (text.length + 1)))].sort((a, b) => a - b);
  const pieces: string[] = [];
  let from = 0;
  for (const o of at) {
    pieces.push(text.slice(from, o));
    from = o;
  }
  pieces.push(text.slice(from));
  return pieces;
}

const outcome = (parse: () => unknown): { ok: true; value: unknown } | { ok: false } => {
  try {
    return { ok: true, value: parse() };
  } catch {
    return { ok: false };
  }
};

describe("the streaming JSON tokenizer", () => {
  it("reads any JSON text, cut anywhere, as JSON.parse does", () => {
    fc.assert(
      fc.property(
        fc.jsonValue(),
        fc.constantFrom(undefined, 0, 2, "\t"),
        fc.array(fc.nat(), { maxLength: 8 }),
        (value, indent, offsets) => {
          const text = JSON.stringify(value, null, indent);
          expect(parsePieces(cut(text, offsets))).toEqual(JSON.parse(text));
        },
      ),
      { numRuns: 500 },
    );
  });

  it("accepts and refuses what JSON.parse accepts and refuses, strings with any characters included", () => {
    const texts = fc.oneof(
      fc.string({ unit: "grapheme-composite" }).map((s) => JSON.stringify(s)),
      fc.jsonValue().map((v) => JSON.stringify(v)),
      fc.string({ unit: fc.constantFrom(...'{}[]:,"\\ \n\t01-.eE+truefalsnu\u0000\u2028x') }),
    );
    fc.assert(
      fc.property(
        texts,
        fc.nat(),
        fc.nat(),
        fc.array(fc.nat(), { maxLength: 4 }),
        (text, at, del, offsets) => {
          // a damaged copy: one character dropped and one repeated somewhere
          const i = at % (text.length + 1);
          const damaged = text.slice(0, i) + text.slice(i, i + 1) + text.slice(i + (del % 2));
          for (const candidate of [text, damaged]) {
            if (/NaN|Infinity/.test(candidate)) continue; // Python's literals: accepted on purpose
            const expected = outcome(() => JSON.parse(candidate));
            const actual = outcome(() => parsePieces(cut(candidate, offsets)));
            expect(actual.ok).toBe(expected.ok);
            if (expected.ok && actual.ok) expect(actual.value).toEqual(expected.value);
          }
        },
      ),
      { numRuns: 2000 },
    );
  });

  it("gives each object and array the line it starts on", () => {
    const tokenizer = new JsonTokenizer();
    const tokens: JsonToken[] = [];
    tokenizer.feed('{\r\n  "a": [\n    1,\n    {"b": 2}\n  ]\n}\n', tokens);
    tokenizer.end(tokens);
    const lines = tokens.flatMap((t) => ("line" in t ? [`${t.name}@${t.line}`] : []));
    expect(lines).toEqual(["startObject@1", "startArray@2", "startObject@4"]);
  });

  it("says where the text is cut off or wrong", () => {
    expect(() => parsePieces(['{\n"a": [1,\n'])).toThrow(
      expect.objectContaining({ truncated: true, line: 3 }),
    );
    expect(() => parsePieces(['{"a": "b'])).toThrow(expect.objectContaining({ truncated: true }));
    expect(() => parsePieces(["[1,\n2,]"])).toThrow(expect.objectContaining({ truncated: false, line: 2 }));
    expect(() => parsePieces(["[tru"])).toThrow(expect.objectContaining({ truncated: true }));
    expect(() => parsePieces(["{} {}"])).toThrow(/after the end/);
  });
});

describe("numbers read from their text", () => {
  it.each([
    ["1", 1],
    ["-0", 0],
    ["0.85", 0.85],
    ["1e-7", 1e-7],
    ["1.0", { $float: "1" }],
    ["-0.0", { $float: "-0" }],
    ["1E3", { $float: "1000" }],
    ["1.5e1", { $float: "15" }],
    // beyond the range of a float: the text is kept, and decoding refuses it where it is found
    ["1e400", { $float: "1e400" }],
    ["NaN", { $float: "NaN" }],
    ["Infinity", { $float: "Infinity" }],
    ["-Infinity", { $float: "-Infinity" }],
    ["9007199254740991", 9007199254740991],
    ["9007199254740993", { $int: "9007199254740993" }],
    ["-9223372036854775808", { $int: "-9223372036854775808" }],
  ])("%s", (text, expected) => {
    expect(JSON.parse(JSON.stringify(exactNumber(text)))).toEqual(expected);
    expect(JSON.stringify(parseJsonExact(`[${text}]`))).toBe(JSON.stringify([expected]));
  });

  it("keep a property named __proto__ as JSON.parse does", () => {
    const value = parseJsonExact('{"__proto__": {"a": 1}, "b": 1.0}') as Record<string, unknown>;
    expect(Object.getPrototypeOf(value)).toBe(Object.prototype);
    expect(Object.keys(value)).toEqual(["__proto__", "b"]);
  });
});
