import { describe, expect, it } from "vitest";
import { nodeRecordSchema, relationshipRecordSchema } from "../../src/format/schema.js";
import { isWellFormedNode, isWellFormedRelationship } from "../../src/validate/quick-check.js";

/** A small seeded generator (mulberry32). */
function random(seed: number) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const SCALARS: unknown[] = [
  "",
  "text",
  0,
  -0,
  1.5,
  -7,
  2 ** 53,
  true,
  false,
  null,
  { $int: "9007199254740993" },
  { $int: "12a" },
  { $float: "1.0" },
  { $float: 1 },
  { $date: "2024-01-01" },
  { $point: { srid: 7203, x: 1, y: 2 } },
  { $point: { srid: 1, x: 1, y: 2 } },
  { $bytes: "AAE=" },
  { $unknown: "x" },
  { $date: "2024-01-01", extra: 1 },
  { $datetime: "2024-01-01T00:00:00Z" },
  { $datetime: 1 },
  { $localdatetime: "x" },
  { $time: "12:00:00Z" },
  { $localtime: null },
  { $duration: "P1D" },
  { $int: "-5" },
  { $int: "" },
  { $float: "1.0x" },
  { $float: "-Infinity" },
  { $bytes: "A*" },
  { $bytes: "" },
  { $date: "2024-01-01", $time: "12:00:00Z" },
  ["2024", { $datetime: "2024-01-01T00:00:00Z" }],
  [{ $int: "1" }, { $int: "x" }],
  {},
  [],
  [1, 2],
  ["a", { $date: "2024-01-01" }],
  [[1]],
  [null],
];
const IDS: unknown[] = [0, 1, 42, -1, 1.5, 2 ** 53, "", "a", null, true, [1]];
const LABELS: unknown[] = [[], ["A"], ["A", "B"], [""], [1], "A", null];

function pick<T>(next: () => number, items: readonly T[]): T {
  return items[Math.floor(next() * items.length)]!;
}

function properties(next: () => number): unknown {
  if (next() < 0.05) return pick(next, [null, [], "x", 3]);
  const out: Record<string, unknown> = {};
  const count = Math.floor(next() * 4);
  for (let i = 0; i < count; i++)
    out[pick(next, ["a", "b", "_id", "__proto__", "9", "ä"])] = pick(next, SCALARS);
  return out;
}

function mutate(next: () => number, record: Record<string, unknown>): unknown {
  const r = next();
  if (r < 0.1) return { ...record, extra: 1 };
  if (r < 0.2) {
    const copy = { ...record };
    delete copy[pick(next, Object.keys(copy))];
    return copy;
  }
  if (r < 0.25) return pick(next, [null, [], "record", 1]);
  return record;
}

/**
 * Runs the quick check on a value as JSON would deliver it; when it accepts, the schema must accept
 * too. Returns whether the quick check accepted.
 */
function quickImpliesSchema(
  value: unknown,
  quick: (value: unknown) => boolean,
  schema: { safeParse(value: unknown): { success: boolean } },
): boolean {
  const parsed = JSON.parse(JSON.stringify(value) ?? "null");
  if (!quick(parsed)) return false;
  expect(schema.safeParse(parsed).success, JSON.stringify(parsed)).toBe(true);
  return true;
}

describe("quick record check", () => {
  it("accepts only records the zod schema accepts, and most well-formed ones", () => {
    const next = random(7);
    let quickNodes = 0;
    let quickRels = 0;
    for (let i = 0; i < 20_000; i++) {
      const node = mutate(next, {
        _id: pick(next, IDS),
        _labels: pick(next, LABELS),
        properties: properties(next),
      });
      if (quickImpliesSchema(node, isWellFormedNode, nodeRecordSchema)) quickNodes++;
      const rel = mutate(next, {
        _id: pick(next, IDS),
        _type: pick(next, ["R", "", 1, null]),
        _start_id: pick(next, IDS),
        _end_id: pick(next, IDS),
        properties: properties(next),
      });
      if (quickImpliesSchema(rel, isWellFormedRelationship, relationshipRecordSchema)) quickRels++;
    }
    // the generator makes plenty of valid records; the quick path must take a good share of them
    expect(quickNodes).toBeGreaterThan(1000);
    expect(quickRels).toBeGreaterThan(80);
  });

  it("takes the records this library writes", () => {
    expect(
      isWellFormedNode(
        JSON.parse(
          '{"_id":3,"_labels":["Function"],"properties":{"n":1,"t":{"$datetime":"2024-01-01T00:00:00Z"},"l":["a","b"]}}',
        ),
      ),
    ).toBe(true);
    expect(
      isWellFormedRelationship(
        JSON.parse('{"_id":0,"_type":"USES","_start_id":3,"_end_id":4,"properties":{}}'),
      ),
    ).toBe(true);
  });

  it("leaves records with unknown keys, bad ids or bad values to the schema", () => {
    const bad = [
      '{"_id":-1,"_labels":[],"properties":{}}',
      '{"_id":1,"_labels":[""],"properties":{}}',
      '{"_id":1,"_labels":[],"properties":{},"x":1}',
      '{"_id":1,"_labels":[],"properties":{"a":null}}',
      '{"_id":1,"_labels":[],"properties":{"a":[[1]]}}',
      '{"_id":1,"_labels":[],"properties":{"a":{"$nope":1}}}',
      '{"_id":1,"_labels":[],"properties":[]}',
    ];
    for (const text of bad) {
      expect(isWellFormedNode(JSON.parse(text)), text).toBe(false);
      expect(nodeRecordSchema.safeParse(JSON.parse(text)).success, text).toBe(false);
    }
  });
});
