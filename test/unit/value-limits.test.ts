/**
 * The edges of the value codec: where plain JSON stops and a wrapper starts, and which wrapper
 * bodies a file may hold. A backup decoded to a different value, or a bad body accepted, would be
 * restored wrongly; a good body refused would make a backup unrestorable.
 */
import neo4j, { DateTime, Duration, LocalTime, Date as Neo4jDate, type Point, type Time } from "neo4j-driver";
import { describe, expect, it } from "vitest";
import {
  decodeValue,
  encodeValue,
  toBigInt,
  toSafeNumber,
  typeNameOf,
  ValueCodecError,
} from "../../src/format/values.js";

const MAX = Number.MAX_SAFE_INTEGER;

/** The message of the ValueCodecError that decoding `value` at path "p" raises. */
function refusal(value: unknown): string {
  try {
    decodeValue(value, "p");
  } catch (error) {
    expect(error).toBeInstanceOf(ValueCodecError);
    expect((error as ValueCodecError).name).toBe("ValueCodecError");
    expect((error as ValueCodecError).path).toMatch(/^p/);
    return (error as Error).message;
  }
  throw new Error(`decoded ${JSON.stringify(value)} without a refusal`);
}

describe("integers: plain JSON exactly within ±(2^53-1)", () => {
  it("writes a driver Integer plain up to ±(2^53-1) and as $int one step beyond", () => {
    expect(encodeValue(neo4j.int(MAX))).toBe(MAX);
    expect(encodeValue(neo4j.int(-MAX))).toBe(-MAX);
    expect(encodeValue(neo4j.int("9007199254740992"))).toEqual({ $int: "9007199254740992" });
    expect(encodeValue(neo4j.int("-9007199254740992"))).toEqual({ $int: "-9007199254740992" });
    // the first and last Integers whose high 32 bits are those of ±2^53
    expect(encodeValue(neo4j.int("-9007203549708288"))).toEqual({ $int: "-9007203549708288" });
    expect(encodeValue(neo4j.int("9007194959773696"))).toBe(9007194959773696);
  });

  it("writes a bigint plain up to ±(2^53-1), as $int up to int64 and refuses beyond", () => {
    expect(encodeValue(BigInt(MAX))).toBe(MAX);
    expect(encodeValue(-BigInt(MAX))).toBe(-MAX);
    expect(encodeValue(BigInt(MAX) + 1n)).toEqual({ $int: "9007199254740992" });
    expect(encodeValue(-BigInt(MAX) - 1n)).toEqual({ $int: "-9007199254740992" });
    expect(encodeValue(2n ** 63n - 1n)).toEqual({ $int: "9223372036854775807" });
    expect(encodeValue(-(2n ** 63n))).toEqual({ $int: "-9223372036854775808" });
    expect(() => encodeValue(-(2n ** 63n) - 1n, "v")).toThrow("integer out of int64 range (at v)");
  });

  it("reads a plain integer up to ±(2^53-1) as Integer and refuses one beyond", () => {
    expect(String(decodeValue(MAX))).toBe(String(MAX));
    expect(String(decodeValue(-MAX))).toBe(String(-MAX));
    expect(refusal(-(2 ** 53))).toMatch(/plain integers must be within/);
  });

  it("reads $int only as decimal text within int64", () => {
    expect(String(decodeValue({ $int: "-9223372036854775808" }))).toBe("-9223372036854775808");
    expect(String(decodeValue({ $int: "-12" }))).toBe("-12");
    expect(refusal({ $int: "-9223372036854775809" })).toMatch(/int64/);
    for (const text of ["1.0", "0x10", " 1", "1 ", "+1", "", "1e3"])
      expect(refusal({ $int: text })).toBe(`invalid integer "${text}" (at p)`);
    expect(refusal({ $int: 1 })).toBe("$int needs a string (at p)");
  });
});

describe("plain values and the shape of a value", () => {
  it("reads booleans and strings as themselves", () => {
    expect(decodeValue(true)).toBe(true);
    expect(decodeValue(false)).toBe(false);
    expect(decodeValue("")).toBe("");
    expect(decodeValue([true, false])).toEqual([true, false]);
  });

  it("refuses null, a wrapper with other than one key, and says where (by default: value)", () => {
    expect(refusal(null)).toBe("null is not a property value (at p)");
    expect(refusal({})).toBe("a typed wrapper has exactly one key, found 0 (at p)");
    expect(refusal({ $int: "1", $float: "1" })).toBe("a typed wrapper has exactly one key, found 2 (at p)");
    expect(refusal(["a", null])).toBe("null is not a property value (at p[1])");
    expect(refusal([{ $int: "1" }, { $int: "x" }])).toBe('invalid integer "x" (at p[1])');
    expect(() => decodeValue(null)).toThrow("null is not a property value (at value)");
    expect(() => encodeValue(null)).toThrow("null is not a property value (at value)");
    expect(() => encodeValue(undefined, "v")).toThrow("cannot encode a undefined (at v)");
  });

  it("converts driver integers given as number, bigint or Integer", () => {
    expect(toSafeNumber(7n)).toBe(7);
    expect(toSafeNumber(neo4j.int(-7))).toBe(-7);
    expect(toSafeNumber(7)).toBe(7);
    expect(toBigInt(2n ** 63n - 1n)).toBe(2n ** 63n - 1n);
    expect(toBigInt(-5)).toBe(-5n);
    expect(toBigInt(neo4j.int("-9223372036854775808"))).toBe(-(2n ** 63n));
    expect(toBigInt(neo4j.int(42))).toBe(42n);
  });
});

describe("floats, bytes and text bodies", () => {
  it("reads every float text String() writes, and nothing else", () => {
    const texts = ["1", "-0", "1.5", "-2.25", "1e+300", "5e-324", "1e21", "NaN", "Infinity", "-Infinity"];
    for (const text of texts) expect(Object.is(decodeValue({ $float: text }), Number(text))).toBe(true);
    for (const text of ["+1", ".5", "1.", "1e", "abc", "infinity", "1,5", " 1"])
      expect(refusal({ $float: text })).toBe(`invalid float "${text}" (at p)`);
  });

  it("reads $bytes only as padded base64", () => {
    expect([...(decodeValue({ $bytes: "AAH/" }) as Int8Array)]).toEqual([0, 1, -1]);
    expect([...(decodeValue({ $bytes: "gA==" }) as Int8Array)]).toEqual([-128]);
    for (const text of ["AAE", "A*==", "AA=A", "AAAAA", "gA===", "-_8="])
      expect(refusal({ $bytes: text })).toBe("invalid base64 in $bytes (at p)");
  });

  it("refuses a wrapper without a string body", () => {
    for (const key of ["$float", "$bytes", "$date", "$time", "$localtime", "$datetime", "$localdatetime"])
      expect(refusal({ [key]: 1 })).toBe(`${key} needs a string (at p)`);
  });
});

describe("temporal bodies", () => {
  it("reads the last time of a day and refuses hours, minutes and seconds beyond", () => {
    const t = decodeValue({ $localtime: "23:59:59.5" }) as LocalTime;
    expect([t.hour, t.minute, t.second, t.nanosecond].map(Number)).toEqual([23, 59, 59, 500_000_000]);
    expect(Number((decodeValue({ $localtime: "00:00:00.000000001" }) as LocalTime).nanosecond)).toBe(1);
    for (const text of ["24:00:00", "23:60:00", "23:59:60", "1:00:00", "12:00:00.", "12:00:00.1234567890"])
      expect(refusal({ $localtime: text })).toBe(`invalid time "${text}" (at p)`);
  });

  it("reads UTC offsets up to ±18:00 with seconds, and refuses larger ones or none", () => {
    const offset = (text: string) => Number((decodeValue({ $time: text }) as Time).timeZoneOffsetSeconds);
    expect(offset("12:00:00Z")).toBe(0);
    expect(offset("12:00:00+18:00")).toBe(18 * 3600);
    expect(offset("12:00:00-18:00")).toBe(-18 * 3600);
    expect(offset("12:00:00+05:30:15")).toBe(5 * 3600 + 30 * 60 + 15);
    expect(offset("12:00:00-00:00:01")).toBe(-1);
    expect(refusal({ $time: "12:00:00+18:00:01" })).toBe('UTC offset out of range "+18:00:01" (at p)');
    expect(refusal({ $time: "12:00:00-18:01" })).toBe('UTC offset out of range "-18:01" (at p)');
    expect(refusal({ $time: "12:00:00" })).toBe('missing UTC offset in "12:00:00" (at p)');
    expect(refusal({ $time: "12:00:00+0100" })).toBe('missing UTC offset in "12:00:00+0100" (at p)');
  });

  it("reads the days of each month, leap days included, and refuses the others", () => {
    const ok = [
      "2023-01-31",
      "2023-03-31",
      "2023-04-30",
      "2023-06-30",
      "2023-12-31",
      "2024-02-29",
      "2400-02-29",
    ];
    for (const text of ok) {
      const d = decodeValue({ $date: text }) as Neo4jDate;
      expect(`${d}`).toBe(text);
    }
    const bad = ["2023-02-29", "2100-02-29", "2023-04-31", "2023-06-31", "2023-09-31", "2023-11-31"];
    for (const text of [...bad, "2023-00-10", "2023-13-01", "2023-01-00", "2023-01-32", "23-01-01"])
      expect(refusal({ $date: text })).toBe(`invalid date "${text}" (at p)`);
  });

  it("writes years outside 0000–9999 with a sign and reads them back", () => {
    for (const [year, text] of [
      [0, "0000-01-01"],
      [9999, "9999-01-01"],
      [10000, "+10000-01-01"],
      [-1, "-0001-01-01"],
    ] as const) {
      expect(encodeValue(new Neo4jDate(year, 1, 1))).toEqual({ $date: text });
      expect(Number((decodeValue({ $date: text }) as Neo4jDate).year)).toBe(year);
    }
  });

  it("reads date-times with an offset, a zone or both, and refuses malformed ones", () => {
    const both = decodeValue({ $datetime: "2024-10-27T02:30:00.25+02:00[Europe/Berlin]" }) as DateTime;
    expect([both.hour, both.minute, both.nanosecond, both.timeZoneOffsetSeconds].map(Number)).toEqual([
      2, 30, 250_000_000, 7200,
    ]);
    expect(both.timeZoneId).toBe("Europe/Berlin");
    const zoneOnly = decodeValue({ $datetime: "2024-10-27T02:30:00[Etc/GMT+5]" }) as DateTime;
    expect(zoneOnly.timeZoneOffsetSeconds).toBeUndefined();
    expect(zoneOnly.timeZoneId).toBe("Etc/GMT+5");
    expect(Number(zoneOnly.hour)).toBe(2);
    const offsetOnly = decodeValue({ $datetime: "1999-12-31T23:59:59-01:00" }) as DateTime;
    expect(Number(offsetOnly.timeZoneOffsetSeconds)).toBe(-3600);
    expect(offsetOnly.timeZoneId).toBeUndefined();
    expect(refusal({ $datetime: "2024-10-27 02:30:00Z" })).toBe(
      'invalid date-time "2024-10-27 02:30:00" (at p)',
    );
    expect(refusal({ $datetime: "2024-10-27T02:30:00[Europe/Berlin" })).toMatch(/^invalid zone in/);
    expect(refusal({ $datetime: "2024-10-27T02:30:00[Europe Berlin]" })).toMatch(/^invalid zone id/);
    expect(refusal({ $datetime: "2024-10-27T02:30:00" })).toMatch(/^missing UTC offset/);
    expect(refusal({ $localdatetime: "2024-10-27" })).toBe('invalid date-time "2024-10-27" (at p)');
  });

  it("refuses to write a DateTime with neither offset nor zone", () => {
    // the driver's constructor refuses one too; a value from elsewhere may still lack both
    const fields = { year: 2024, month: 1, day: 1, hour: 0, minute: 0, second: 0, nanosecond: 0 };
    const bare = Object.assign(Object.create(DateTime.prototype), fields);
    expect(() => encodeValue(bare, "v")).toThrow("DateTime without offset and zone (at v)");
  });
});

describe("durations", () => {
  const parts = (d: unknown) => {
    const x = d as Duration;
    return [x.months, x.days, x.seconds, x.nanoseconds].map(String);
  };

  it("normalises negative seconds so that nanoseconds lie in [0, 1e9)", () => {
    expect(parts(decodeValue({ $duration: "P0M0DT-0.5S" }))).toEqual(["0", "0", "-1", "500000000"]);
    expect(parts(decodeValue({ $duration: "P0M0DT-2S" }))).toEqual(["0", "0", "-2", "0"]);
    expect(parts(decodeValue({ $duration: "P-1M2DT3.000000004S" }))).toEqual(["-1", "2", "3", "4"]);
  });

  it("writes zero and whole seconds without a sign or a fraction", () => {
    const d = (s: number, n: number) => new Duration(neo4j.int(1), neo4j.int(2), neo4j.int(s), neo4j.int(n));
    expect(encodeValue(d(0, 0))).toEqual({ $duration: "P1M2DT0S" });
    expect(encodeValue(d(3, 0))).toEqual({ $duration: "P1M2DT3S" });
    expect(encodeValue(d(-3, 0))).toEqual({ $duration: "P1M2DT-3S" });
    expect(encodeValue(d(0, 1))).toEqual({ $duration: "P1M2DT0.000000001S" });
  });

  it("refuses parts beyond int64 and texts of another form", () => {
    expect(refusal({ $duration: "P9223372036854775808M0DT0S" })).toMatch(/duration months out of int64/);
    expect(refusal({ $duration: "P0M-9223372036854775809DT0S" })).toMatch(/duration days out of int64/);
    expect(refusal({ $duration: "P0M0DT9223372036854775808S" })).toMatch(/duration seconds out of int64/);
    expect(parts(decodeValue({ $duration: "P0M0DT-9223372036854775808S" }))[2]).toBe("-9223372036854775808");
    for (const text of ["P1M", "PT1S", "P0M0DT1.1234567891S", "P0M0DT+1S"])
      expect(refusal({ $duration: text })).toBe(`invalid duration "${text}" (at p)`);
  });
});

describe("points and vectors", () => {
  it("reads points of the four SRIDs, with z exactly for the 3D ones", () => {
    const p = decodeValue({ $point: { srid: 4979, x: 1, y: "NaN", z: "-0" } }) as Point;
    expect(Number(p.srid)).toBe(4979);
    expect(Number.isNaN(p.y)).toBe(true);
    expect(Object.is(p.z, -0)).toBe(true);
    expect(refusal({ $point: { srid: 1, x: 1, y: 2 } })).toBe("unknown point srid 1 (at p)");
    expect(refusal({ $point: { srid: 7203, x: 1, y: 2, z: 3 } })).toBe("srid 7203 needs x and y only (at p)");
    expect(refusal({ $point: { srid: 9157, x: 1, y: 2 } })).toBe("srid 9157 needs x, y and z (at p)");
    expect(refusal({ $point: { srid: 4326, x: true, y: 2 } })).toMatch(
      /coordinate must be a number or float text \(at p\.x\)/,
    );
    expect(refusal({ $point: "7203" })).toBe("invalid $point (at p)");
    expect(refusal({ $point: null })).toBe("invalid $point (at p)");
    expect(refusal({ $point: { srid: 7203, x: 1, y: "north" } })).toBe('invalid float "north" (at p.y)');
    expect(refusal({ $point: { srid: 9157, x: 1, y: 2, z: null } })).toMatch(/\(at p\.z\)$/);
  });

  it("refuses vector values that the element type would change", () => {
    expect(refusal({ $vector: { type: "INT8", values: [127, 128] } })).toBe(
      "value 128 does not fit a INT8 vector (at p[1])",
    );
    expect(refusal({ $vector: { type: "INT16", values: [32768] } })).toMatch(/does not fit a INT16/);
    expect(refusal({ $vector: { type: "INT32", values: [1.5] } })).toMatch(/does not fit a INT32/);
    expect(refusal({ $vector: { type: "FLOAT32", values: [0.1] } })).toMatch(/does not fit a FLOAT32/);
    expect(refusal({ $vector: { type: "INT64", values: [1] } })).toBe(
      "INT64 vector values must be decimal strings (at p[0])",
    );
    expect(refusal({ $vector: { type: "INT64", values: ["1.5"] } })).toMatch(/decimal strings/);
    expect(refusal({ $vector: { type: "INT128", values: [] } })).toMatch(/needs a type and values/);
    expect(refusal({ $vector: { type: "INT8" } })).toMatch(/needs a type and values/);
    expect(refusal({ $vector: null })).toBe("invalid $vector (at p)");
  });

  it("reads each vector element type into its own typed array", () => {
    const kinds = {
      INT8: Int8Array,
      INT16: Int16Array,
      INT32: Int32Array,
      FLOAT32: Float32Array,
      FLOAT64: Float64Array,
    } as const;
    for (const [type, array] of Object.entries(kinds)) {
      const v = decodeValue({
        $vector: { type, values: [1, -2, "NaN"].slice(0, type.startsWith("F") ? 3 : 2) },
      });
      const typed = (v as ReturnType<typeof neo4j.vector>).asTypedArray();
      expect(typed).toBeInstanceOf(array);
      expect((v as ReturnType<typeof neo4j.vector>).getType()).toBe(type);
    }
    const f64 = decodeValue({ $vector: { type: "FLOAT64", values: [0.1] } }) as ReturnType<
      typeof neo4j.vector
    >;
    expect([...(f64.asTypedArray() as Float64Array)]).toEqual([0.1]);
  });
});

describe("lists", () => {
  it("refuses lists of lists, byte arrays or vectors, and names the first element of another type", () => {
    expect(refusal([{ $bytes: "AA==" }])).toBe("a list property cannot hold ByteArray elements (at p)");
    expect(refusal([{ $vector: { type: "INT8", values: [1] } }])).toMatch(/cannot hold Vector elements/);
    expect(refusal([1, 2, 2.5])).toBe("list mixes Integer and Float (at p[2])");
    expect(refusal([{ $date: "2024-01-01" }, { $localtime: "12:00:00" }])).toBe(
      "list mixes Date and LocalTime (at p[1])",
    );
    expect(refusal(["a", true])).toBe("list mixes String and Boolean (at p[1])");
  });

  it("names the Neo4j type of every decoded value", () => {
    const cases: [unknown, string][] = [
      ["s", "String"],
      [true, "Boolean"],
      [1.5, "Float"],
      [1, "Integer"],
      [{ $bytes: "AA==" }, "ByteArray"],
      [["a"], "List"],
      [{ $datetime: "2024-01-01T00:00:00Z" }, "DateTime"],
      [{ $localdatetime: "2024-01-01T00:00:00" }, "LocalDateTime"],
      [{ $date: "2024-01-01" }, "Date"],
      [{ $time: "00:00:00Z" }, "Time"],
      [{ $localtime: "00:00:00" }, "LocalTime"],
      [{ $duration: "P0M0DT0S" }, "Duration"],
      [{ $point: { srid: 7203, x: 1, y: 2 } }, "Point"],
      [{ $vector: { type: "INT8", values: [1] } }, "Vector"],
    ];
    for (const [encoded, name] of cases) expect(typeNameOf(decodeValue(encoded)), name).toBe(name);
    expect(typeNameOf(10n)).toBe("Integer");
    expect(typeNameOf({})).toBe("Unknown");
  });
});

describe("times of day when written", () => {
  it("writes nanoseconds with nine digits and whole seconds without a fraction", () => {
    expect(encodeValue(new LocalTime(0, 0, 0, 0))).toEqual({ $localtime: "00:00:00" });
    expect(encodeValue(new LocalTime(9, 5, 7, 10))).toEqual({ $localtime: "09:05:07.000000010" });
    expect(encodeValue(new LocalTime(9, 5, 7, 100_000_000))).toEqual({ $localtime: "09:05:07.100000000" });
  });
});
