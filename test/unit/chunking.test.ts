/**
 * Content-defined chunking at record boundaries: chunks end at line ends, respect the minimum and
 * maximum, do not depend on how the bytes arrive, and an edit changes only the chunks around it.
 */
import { describe, expect, it } from "vitest";
import { type ChunkingSettings, RecordChunker } from "../../src/format/chunking.js";

const SMALL: ChunkingSettings = { minBytes: 1024, targetBytes: 4096, maxBytes: 16384 };

function lines(count: number, from = 0, edit?: (i: number) => string | undefined): string[] {
  const out: string[] = [];
  for (let i = from; i < from + count; i++) {
    const line =
      edit?.(i) ??
      `{"_id":${i},"_labels":["Node"],"properties":{"value":${(i * 7919) % 1000},"text":"${"x".repeat(i % 50)}"}},\n`;
    if (line !== "") out.push(line);
  }
  return out;
}

function chunk(text: string, pieceSize: number, settings = SMALL): string[] {
  const chunker = new RecordChunker(settings);
  const bytes = Buffer.from(text, "utf8");
  const out: string[] = [];
  for (let i = 0; i < bytes.length; i += pieceSize) {
    // a fresh buffer for every push, as the chunker keeps references
    for (const c of chunker.push(Buffer.from(bytes.subarray(i, i + pieceSize))))
      out.push(Buffer.from(c).toString("utf8"));
  }
  const last = chunker.end();
  if (last) out.push(Buffer.from(last).toString("utf8"));
  return out;
}

describe("RecordChunker", () => {
  const text = lines(5000).join("");

  it("reassembles the input exactly, each chunk ending at a line end, within the minimum and maximum", () => {
    const chunks = chunk(text, 65536);
    expect(chunks.join("")).toBe(text);
    expect(chunks.length).toBeGreaterThan(10);
    for (const [i, c] of chunks.entries()) {
      expect(c.endsWith("\n")).toBe(true);
      const size = Buffer.byteLength(c);
      if (i < chunks.length - 1) expect(size).toBeGreaterThanOrEqual(SMALL.minBytes);
      // a chunk ends at the first line end at or beyond the maximum
      expect(size).toBeLessThan(SMALL.maxBytes + 200);
    }
    const average = Buffer.byteLength(text) / chunks.length;
    expect(average).toBeGreaterThan(SMALL.minBytes * 1.5);
    expect(average).toBeLessThan(SMALL.targetBytes * 2);
  });

  it("gives the same chunks however the bytes are split into pushes (1 byte, 777 bytes, one push)", () => {
    const whole = chunk(text, Buffer.byteLength(text));
    expect(chunk(text, 777)).toEqual(whole);
    expect(chunk(lines(400).join(""), 1)).toEqual(chunk(lines(400).join(""), 1 << 20));
  });

  it("an edit, an insertion and a deletion each change only the chunks around them, not every chunk after", () => {
    const before = new Set(chunk(text, 65536));
    const variants = {
      edited: lines(5000, 0, (i) =>
        i === 100 ? `{"_id":100,"_labels":["Node"],"properties":{"value":-1}},\n` : undefined,
      ),
      inserted: [...lines(100), `{"_id":99999,"_labels":["New"],"properties":{}},\n`, ...lines(4900, 100)],
      deleted: lines(5000, 0, (i) => (i === 100 ? "" : undefined)),
    };
    for (const [what, variant] of Object.entries(variants)) {
      const after = chunk(variant.join(""), 65536);
      const changed = after.filter((c) => !before.has(c));
      expect(changed.length, what).toBeGreaterThan(0);
      expect(changed.length, what).toBeLessThanOrEqual(2);
    }
  });

  it("one line longer than the maximum is one chunk of its own size", () => {
    const long = `{"_id":1,"properties":{"s":"${"y".repeat(50_000)}"}},\n`;
    const input = [...lines(50), long, ...lines(50, 51)].join("");
    const chunks = chunk(input, 4096);
    expect(chunks.join("")).toBe(input);
    expect(chunks.some((c) => c.endsWith(long))).toBe(true);
  });

  it("refuses settings out of order", () => {
    expect(() => new RecordChunker({ minBytes: 10, targetBytes: 5, maxBytes: 20 })).toThrow(RangeError);
  });
});
