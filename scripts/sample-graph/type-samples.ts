/**
 * The type-sample property set: one property per interesting value of every property type Neo4j stores.
 */
import {
  Date as CypherDate,
  DateTime,
  Duration,
  int,
  LocalDateTime,
  LocalTime,
  Point,
  Time,
  vector,
} from "neo4j-driver";

/** Server features that decide which type samples can be written. */
export interface SampleCapabilities {
  /** The server stores VECTOR property values (and the driver talks Bolt 6+ to it). */
  vector?: boolean;
}

const SRID_CARTESIAN_2D = 7203;
const SRID_CARTESIAN_3D = 9157;
const SRID_WGS84_2D = 4326;
const SRID_WGS84_3D = 4979;

/** ~10k characters mixing ASCII, BMP and astral code points, built without randomness. */
function longString(): string {
  const pieces = ["abc", "Überprüfung", " 日本語 ", "🦄", "\n", "e\u0301", "\t", "x".repeat(17)];
  let text = "";
  for (let i = 0; text.length < 10_000; i++) text += `${pieces[i % pieces.length]}${i}`;
  return text;
}

/** Every byte value once, 0x00 to 0xff, as the signed bytes a Neo4j byte array holds. */
function allBytes(): Int8Array {
  return Int8Array.from({ length: 256 }, (_, i) => (i << 24) >> 24);
}

/**
 * The exact property values carried by every `TypeSample` node and `TYPE_SAMPLE` relationship, one per
 * property key, so tests can compare them after a round trip with {@link equalValues}.
 *
 * Covers Integer (int64 bounds, 0, -1, 2^53+1), Float (NaN, ±Infinity, -0.0, integral 1.0, smallest
 * subnormal, largest finite), String (empty, line breaks, U+2028/U+2029, astral, combining, NUL, RTL, ~10k
 * chars), Boolean, byte arrays (empty and all 256 values), every temporal type with nanoseconds (zone-id
 * DateTimes include both readings of a DST-ambiguous local time), Duration with negative parts, the four
 * point CRSs, homogeneous lists of each (none of byte arrays: Neo4j has no such type), and, when
 * `capabilities.vector` is set, VECTOR values of each element type. A fresh object is built on every call.
 */
export function typeSampleProperties(capabilities: SampleCapabilities = {}): Record<string, unknown> {
  const berlinAmbiguousFirst = new DateTime(2024, 10, 27, 2, 30, 0, 123_456_789, 7200, "Europe/Berlin");
  const berlinAmbiguousSecond = new DateTime(2024, 10, 27, 2, 30, 0, 123_456_789, 3600, "Europe/Berlin");
  const properties: Record<string, unknown> = {
    // INTEGER
    int_min: int("-9223372036854775808"),
    int_max: int("9223372036854775807"),
    int_zero: int(0),
    int_minus_one: int(-1),
    int_2_pow_53_plus_1: int("9007199254740993"),
    // FLOAT (a JS number is always sent as FLOAT)
    float_nan: Number.NaN,
    float_positive_infinity: Number.POSITIVE_INFINITY,
    float_negative_infinity: Number.NEGATIVE_INFINITY,
    float_negative_zero: -0,
    float_zero: 0,
    float_integral: 1,
    float_min_subnormal: 5e-324,
    float_max: 1.7976931348623157e308,
    float_tenth: 0.1,
    // STRING
    string_empty: "",
    string_newlines: "line 1\nline 2\r\nline 3\rline 4\n",
    string_line_separators: "a\u2028b\u2029c",
    string_emoji: "👩‍👩‍👧 🦄 𝔘𝔫𝔦𝔠𝔬𝔡𝔢",
    string_combining: "e\u0301 vs \u00e9, a\u030a\u0323",
    string_nul: "before\u0000after",
    string_rtl: "مرحبا بالعالم — שלום עולם",
    string_controls: "tab\there\u0001\u001f\u007f\ufeff",
    string_long: longString(),
    // BOOLEAN
    bool_true: true,
    bool_false: false,
    // BYTE ARRAY
    bytes_empty: new Int8Array(0),
    bytes_all_values: allBytes(),
    // Temporal
    date: new CypherDate(2024, 2, 29),
    date_before_epoch: new CypherDate(1, 1, 1),
    time_with_offset: new Time(23, 59, 59, 999_999_999, 3600 + 1800),
    time_negative_offset: new Time(0, 0, 0, 1, -(18 * 3600)),
    local_time: new LocalTime(12, 34, 56, 789_012_345),
    datetime_zone_id: new DateTime(2024, 7, 1, 12, 0, 0, 1, 7200, "Europe/Berlin"),
    datetime_zone_id_dst_ambiguous_first: berlinAmbiguousFirst,
    datetime_zone_id_dst_ambiguous_second: berlinAmbiguousSecond,
    datetime_zone_id_utc: new DateTime(1970, 1, 1, 0, 0, 0, 0, 0, "UTC"),
    datetime_offset: new DateTime(2024, 12, 31, 23, 59, 59, 999_999_999, -(3 * 3600 + 30 * 60)),
    datetime_offset_zero: new DateTime(2000, 1, 1, 0, 0, 0, 500, 0),
    local_datetime: new LocalDateTime(1999, 12, 31, 23, 59, 59, 999_999_999),
    duration: new Duration(14, 3, 3723, 456_789_012),
    duration_negative_parts: new Duration(-1, 2, -3, 4),
    duration_zero: new Duration(0, 0, 0, 0),
    // POINT
    point_cartesian_2d: new Point(SRID_CARTESIAN_2D, 1.5, -2.25),
    point_cartesian_3d: new Point(SRID_CARTESIAN_3D, 1.5, -2.25, 1e10),
    point_wgs84_2d: new Point(SRID_WGS84_2D, 13.404954, 52.520008),
    point_wgs84_3d: new Point(SRID_WGS84_3D, -179.999999, -89.5, 8848.86),
    // LIST<...> (homogeneous)
    list_empty: [],
    list_int: [int("-9223372036854775808"), int(-1), int(0), int(1), int("9223372036854775807")],
    list_int_one: [int(7)],
    list_float: [Number.NaN, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY, -0, 1, 5e-324, 0.1],
    list_float_one: [2.5],
    list_string: ["", "a", "\u0000", "日本語", "👍", "we`ird"],
    list_string_one: ["only"],
    list_bool: [true, false, true],
    list_date: [new CypherDate(2024, 1, 1), new CypherDate(1900, 12, 31)],
    list_time: [new Time(1, 2, 3, 4, 0), new Time(23, 0, 0, 999_999_999, -3600)],
    list_local_time: [new LocalTime(0, 0, 0, 0), new LocalTime(23, 59, 59, 999_999_999)],
    list_datetime_zone_id: [
      new DateTime(2024, 1, 1, 0, 0, 0, 1, 3600, "Europe/Berlin"),
      new DateTime(2024, 6, 1, 0, 0, 0, 2, 32400, "Asia/Tokyo"),
      berlinAmbiguousSecond,
    ],
    list_datetime_offset: [
      new DateTime(2024, 1, 1, 0, 0, 0, 1, 0),
      new DateTime(2024, 1, 1, 0, 0, 0, 1, -36000),
    ],
    list_local_datetime: [new LocalDateTime(2024, 1, 1, 0, 0, 0, 0), new LocalDateTime(1, 1, 1, 0, 0, 0, 1)],
    list_duration: [new Duration(0, 0, 0, 0), new Duration(-12, -1, -1, -1), new Duration(1, 1, 1, 1)],
    list_point_cartesian_2d: [new Point(SRID_CARTESIAN_2D, 0, 0), new Point(SRID_CARTESIAN_2D, -1, 1e-9)],
    list_point_cartesian_3d: [new Point(SRID_CARTESIAN_3D, 0, 0, 0)],
    list_point_wgs84_2d: [new Point(SRID_WGS84_2D, 2.35, 48.85), new Point(SRID_WGS84_2D, -74, 40.7)],
    list_point_wgs84_3d: [new Point(SRID_WGS84_3D, 139.69, 35.69, 40)],
  };
  if (capabilities.vector) {
    properties.vector_int8 = vector(Int8Array.from([-128, -1, 0, 1, 127]));
    properties.vector_int16 = vector(Int16Array.from([-32768, 0, 32767]));
    properties.vector_int32 = vector(Int32Array.from([-2147483648, 0, 2147483647]));
    properties.vector_int64 = vector(BigInt64Array.from([-9223372036854775808n, 0n, 9223372036854775807n]));
    properties.vector_float32 = vector(
      Float32Array.from([-0, 0.5, 3.4028234663852886e38, 1.401298464324817e-45]),
    );
    properties.vector_float64 = vector(Float64Array.from([-0, 0.1, 1.7976931348623157e308, 5e-324]));
    properties.vector_one_element = vector(Float32Array.from([1]));
  }
  return properties;
}
