import fc from "fast-check";
import neo4j, {
  DateTime,
  Duration,
  LocalDateTime,
  LocalTime,
  Date as Neo4jDate,
  Point,
  Time,
} from "neo4j-driver";
import { describe, expect, it } from "vitest";
import {
  decodeProperties,
  decodeValue,
  encodeProperties,
  encodeValue,
  ValueCodecError,
} from "../../src/format/values.js";

/** Encode, go through JSON text (as a file does), decode. */
function roundTrip(value: unknown): unknown {
  return decodeValue(JSON.parse(JSON.stringify(encodeValue(value))));
}

describe("plain JSON where exact", () => {
  it("keeps strings, booleans, safe integers and non-integral floats plain", () => {
    expect(encodeValue("a\nb\u2028")).toBe("a\nb\u2028");
    expect(encodeValue(true)).toBe(true);
    expect(encodeValue(neo4j.int(142))).toBe(142);
    expect(encodeValue(0.85)).toBe(0.85);
  });

  it("reads an integral plain number as Integer and a fractional one as Float", () => {
    const i = decodeValue(142);
    expect(neo4j.isInt(i)).toBe(true);
    expect(String(i)).toBe("142");
    expect(decodeValue(0.5)).toBe(0.5);
  });
});

describe("typed wrappers where plain JSON is not exact", () => {
  it.each([
    [1.0, { $float: "1" }],
    [-0, { $float: "-0" }],
    [Number.NaN, { $float: "NaN" }],
    [Number.POSITIVE_INFINITY, { $float: "Infinity" }],
    [Number.NEGATIVE_INFINITY, { $float: "-Infinity" }],
    [1e300, { $float: "1e+300" }],
  ])("wraps the float %s", (value, expected) => {
    expect(encodeValue(value)).toEqual(expected);
    expect(Object.is(roundTrip(value), value)).toBe(true);
  });

  it("wraps integers beyond 2^53 and keeps all 64 bits", () => {
    for (const text of ["9223372036854775807", "-9223372036854775808", "9007199254740993"]) {
      const encoded = encodeValue(neo4j.int(text));
      expect(encoded).toEqual({ $int: text });
      expect(String(roundTrip(neo4j.int(text)))).toBe(text);
      expect(String(roundTrip(BigInt(text)))).toBe(text);
    }
  });

  it("encodes byte arrays as base64 and returns Int8Array", () => {
    const bytes = new Int8Array([-128, -1, 0, 1, 127]);
    expect(encodeValue(bytes)).toEqual({ $bytes: Buffer.from(bytes.buffer).toString("base64") });
    const back = roundTrip(bytes) as Int8Array;
    expect(back).toBeInstanceOf(Int8Array);
    expect([...back]).toEqual([...bytes]);
    expect([...(roundTrip(new Int8Array(0)) as Int8Array)]).toEqual([]);
  });

  it("encodes temporal values with nanoseconds, offsets and zone ids", () => {
    const cases: [unknown, Record<string, string>][] = [
      [new Neo4jDate(2024, 2, 29), { $date: "2024-02-29" }],
      [new Neo4jDate(-44, 3, 15), { $date: "-0044-03-15" }],
      [new Neo4jDate(12345, 1, 1), { $date: "+12345-01-01" }],
      [new LocalTime(23, 59, 59, 999_999_999), { $localtime: "23:59:59.999999999" }],
      [new Time(1, 2, 3, 4, 3600), { $time: "01:02:03.000000004+01:00" }],
      [new Time(1, 2, 3, 0, -(5 * 3600 + 30 * 60 + 15)), { $time: "01:02:03-05:30:15" }],
      [
        new LocalDateTime(2025, 1, 28, 14, 30, 22, 123456789),
        { $localdatetime: "2025-01-28T14:30:22.123456789" },
      ],
      [new DateTime(2025, 1, 28, 14, 30, 22, 5, 0), { $datetime: "2025-01-28T14:30:22.000000005Z" }],
      [
        new DateTime(2024, 10, 27, 2, 30, 0, 0, 7200, "Europe/Berlin"),
        { $datetime: "2024-10-27T02:30:00+02:00[Europe/Berlin]" },
      ],
      [
        new DateTime(2024, 10, 27, 2, 30, 0, 0, undefined, "Europe/Berlin"),
        { $datetime: "2024-10-27T02:30:00[Europe/Berlin]" },
      ],
    ];
    for (const [value, expected] of cases) {
      expect(encodeValue(value)).toEqual(expected);
      expect(encodeValue(roundTrip(value))).toEqual(expected);
    }
    const back = roundTrip(new DateTime(2024, 10, 27, 2, 30, 0, 0, 7200, "Europe/Berlin")) as DateTime;
    expect(back.timeZoneId).toBe("Europe/Berlin");
    expect(Number(back.timeZoneOffsetSeconds)).toBe(7200);
  });

  it("encodes durations exactly, negative parts included", () => {
    const d = new Duration(neo4j.int(14), neo4j.int(-3), neo4j.int(-2), neo4j.int(500_000_000));
    expect(encodeValue(d)).toEqual({ $duration: "P14M-3DT-1.500000000S" });
    const back = roundTrip(d) as Duration;
    expect([back.months, back.days, back.seconds, back.nanoseconds].map(String)).toEqual([
      "14",
      "-3",
      "-2",
      "500000000",
    ]);
    const big = new Duration(
      neo4j.int(0),
      neo4j.int(0),
      neo4j.int("9223372036854775807"),
      neo4j.int(999_999_999),
    );
    expect(String((roundTrip(big) as Duration).seconds)).toBe("9223372036854775807");
  });

  it("encodes points of every SRID and keeps coordinates as floats", () => {
    for (const p of [
      new Point(neo4j.int(7203), 1, 2),
      new Point(neo4j.int(9157), 1, 2, -0),
      new Point(neo4j.int(4326), 13.4, 52.5),
      new Point(neo4j.int(4979), 13.4, 52.5, 34.0),
    ]) {
      const back = roundTrip(p) as Point;
      expect(Number(back.srid)).toBe(Number(p.srid));
      expect(Object.is(back.x, p.x) && Object.is(back.y, p.y) && Object.is(back.z, p.z)).toBe(true);
    }
  });

  it("encodes vectors of each element type", () => {
    const v32 = neo4j.vector(new Float32Array([0.5, -1.25, 3]));
    expect(encodeValue(v32)).toEqual({ $vector: { type: "FLOAT32", values: [0.5, -1.25, 3] } });
    const back = roundTrip(v32) as ReturnType<typeof neo4j.vector>;
    expect(back.getType()).toBe("FLOAT32");
    expect([...(back.asTypedArray() as Float32Array)]).toEqual([0.5, -1.25, 3]);
    const v64 = neo4j.vector(new BigInt64Array([9223372036854775807n, -1n]));
    expect(encodeValue(v64)).toEqual({ $vector: { type: "INT64", values: ["9223372036854775807", "-1"] } });
    expect([
      ...((roundTrip(v64) as ReturnType<typeof neo4j.vector>).asTypedArray() as BigInt64Array),
    ]).toEqual([9223372036854775807n, -1n]);
  });

  it("keeps list element types, incl. integral floats and empty lists", () => {
    expect(encodeValue([1.0, 2.5])).toEqual([{ $float: "1" }, 2.5]);
    const ints = roundTrip([neo4j.int(1), neo4j.int("9223372036854775807")]) as unknown[];
    expect(ints.map(String)).toEqual(["1", "9223372036854775807"]);
    expect(roundTrip([])).toEqual([]);
  });
});

describe("refusals, with the path", () => {
  it("rejects unknown wrappers, mixed lists and nested lists", () => {
    expect(() => decodeValue({ $nope: 1 }, "p")).toThrow(/unknown typed wrapper "\$nope" \(at p\)/);
    expect(() => decodeValue({ $int: "1", $float: "1" }, "p")).toThrow(ValueCodecError);
    expect(() => decodeValue([1, "a"], "p")).toThrow(/list mixes Integer and String \(at p\[1\]\)/);
    expect(() => decodeValue([[1]], "p")).toThrow(/cannot hold List/);
    expect(() => decodeValue(null, "p")).toThrow(/null/);
    expect(() => decodeValue(2 ** 60, "p")).toThrow(/use \$int/);
    expect(() => decodeValue({ $date: "2024-13-01" }, "p")).toThrow(/invalid date/);
    expect(() => decodeValue({ $date: "2025-02-29" }, "p")).toThrow(/invalid date/);
    expect(() => decodeValue({ $date: "2025-04-31" }, "p")).toThrow(/invalid date/);
    expect(decodeValue({ $date: "2024-02-29" }, "p")).toBeDefined();
    expect(decodeValue({ $date: "2000-02-29" }, "p")).toBeDefined();
    expect(() => decodeValue({ $date: "1900-02-29" }, "p")).toThrow(/invalid date/);
    expect(() => decodeValue({ $int: "9223372036854775808" }, "p")).toThrow(/int64/);
  });

  it("refuses values Neo4j cannot store", () => {
    expect(() => encodeValue({ a: 1 }, "x")).toThrow(/cannot encode/);
    expect(() => encodeValue(null, "x")).toThrow(/null/);
  });

  it("names the property and the list element that cannot be encoded", () => {
    const fail = (f: () => unknown) => {
      try {
        f();
      } catch (error) {
        return error as ValueCodecError;
      }
      throw new Error("no error");
    };
    const inList = fail(() =>
      encodeProperties({ a: 1, tags: ["x", "y", Symbol("z") as never] }, "n.properties"),
    );
    expect(inList).toBeInstanceOf(ValueCodecError);
    expect(inList.path).toBe("n.properties.tags[2]");
    expect(inList.message).toBe("cannot encode a symbol (at n.properties.tags[2])");
    const plain = fail(() => encodeProperties({ ok: "yes", bad: { nested: true } }));
    expect(plain.path).toBe("properties.bad");
    expect(plain.message).toMatch(/^cannot encode a value of type Object \(at properties\.bad\)$/);
    const big = fail(() => encodeValue([1n, 2n ** 63n], "v"));
    expect(big.message).toBe("integer out of int64 range (at v[1])");
  });
});

describe("property-based round trips", () => {
  it("floats are bit-exact", () => {
    fc.assert(
      fc.property(fc.double(), (x) => Object.is(roundTrip(x), x)),
      { numRuns: 2000 },
    );
  });

  it("int64 values are exact", () => {
    fc.assert(
      fc.property(
        fc.bigInt({ min: -(2n ** 63n), max: 2n ** 63n - 1n }),
        (x) => String(roundTrip(x)) === String(x),
      ),
      { numRuns: 2000 },
    );
  });

  it("strings are exact", () => {
    fc.assert(
      fc.property(fc.string({ unit: "binary" }), (s) => roundTrip(s) === s),
      { numRuns: 1000 },
    );
  });

  it("local date-times with nanoseconds are exact", () => {
    fc.assert(
      fc.property(
        fc.integer({ min: -999_999, max: 999_999 }),
        fc.integer({ min: 1, max: 12 }),
        fc.integer({ min: 1, max: 28 }),
        fc.integer({ min: 0, max: 23 }),
        fc.integer({ min: 0, max: 59 }),
        fc.integer({ min: 0, max: 59 }),
        fc.integer({ min: 0, max: 999_999_999 }),
        (y, mo, d, h, mi, s, ns) => {
          const v = new LocalDateTime(y, mo, d, h, mi, s, ns);
          return JSON.stringify(encodeValue(roundTrip(v))) === JSON.stringify(encodeValue(v));
        },
      ),
      { numRuns: 1000 },
    );
  });
});

describe("property names that are special to JavaScript", () => {
  it("keeps a property called __proto__ as data", () => {
    const props = JSON.parse('{"__proto__": 1, "constructor": "c"}');
    const encoded = encodeProperties(props);
    expect(JSON.stringify(encoded)).toBe('{"__proto__":{"$float":"1"},"constructor":"c"}');
    const decoded = decodeProperties(JSON.parse(JSON.stringify(encoded)));
    expect(Object.keys(decoded)).toEqual(["__proto__", "constructor"]);
  });
});
