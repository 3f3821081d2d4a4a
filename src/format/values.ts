/**
 * Exact encoding of Neo4j property values as JSON, and back.
 *
 * Plain JSON is used wherever it is exact: strings, booleans, integers within ±(2^53-1) and
 * non-integral finite floats. Everything else becomes a one-key "typed wrapper" object (Neo4j
 * property values are never maps, so an object in a value position is always a wrapper).
 * The rules are specified in docs/format.md.
 */
import neo4j, {
  DateTime,
  Duration,
  type Integer,
  isDate,
  isDateTime,
  isDuration,
  isInt,
  isLocalDateTime,
  isLocalTime,
  isPoint,
  isTime,
  isUnsupportedType,
  isVector,
  LocalDateTime,
  LocalTime,
  Date as Neo4jDate,
  Point,
  Time,
  type Vector,
  vector,
} from "neo4j-driver";

/** A JSON value as it appears in a backup file in a property position. */
export type EncodedValue = string | number | boolean | EncodedValue[] | { [wrapper: string]: unknown };

/** The wrapper keys of format version 2, one per type that plain JSON cannot carry exactly. */
export const WRAPPER_KEYS = [
  "$int",
  "$float",
  "$bytes",
  "$date",
  "$time",
  "$localtime",
  "$datetime",
  "$localdatetime",
  "$duration",
  "$point",
  "$vector",
] as const;

/** One of {@link WRAPPER_KEYS}. */
export type WrapperKey = (typeof WRAPPER_KEYS)[number];

/** Raised when a value cannot be encoded or decoded exactly; `path` says where. */
export class ValueCodecError extends Error {
  /** Where the value sits, e.g. `properties.created_at[2]`. */
  readonly path: string;
  constructor(message: string, path: string) {
    super(`${message} (at ${path})`);
    this.name = "ValueCodecError";
    this.path = path;
  }
}

const MAX_SAFE = BigInt(Number.MAX_SAFE_INTEGER);
const MIN_SAFE = -MAX_SAFE;
const INT64_MAX = 9223372036854775807n;
const INT64_MIN = -9223372036854775808n;

/** Converts a driver integer in any of its forms (Integer, bigint, number) to bigint. */
export function toBigInt(value: Integer | bigint | number): bigint {
  if (typeof value === "bigint") return value;
  if (typeof value === "number") return BigInt(value);
  if (isSafeInteger(value)) return BigInt(value.toNumber());
  return BigInt(value.toString());
}

/**
 * Whether a driver Integer lies within ±(2^53-1), read from its 32-bit halves (the driver's own
 * `inSafeRange` compares through Integer arithmetic, which is slow on a hot path).
 */
function isSafeInteger(value: Integer): boolean {
  const high = value.high;
  if (high > -2097152 && high < 2097151) return true;
  return value.inSafeRange();
}

/**
 * Converts a driver integer known to be within ±(2^53-1) — an id, a count, a temporal field — to a
 * number, without going through text.
 */
export function toSafeNumber(value: Integer | bigint | number): number {
  if (typeof value === "number") return value;
  if (typeof value === "bigint") return Number(value);
  return value.toNumber();
}

const num = toSafeNumber;

function pad(value: number, width: number): string {
  return String(value).padStart(width, "0");
}

/** "00" … "99": the two-digit fields of every temporal value, without building them each time. */
const TWO_DIGITS = Array.from({ length: 100 }, (_, i) => pad(i, 2));

function pad2(value: number): string {
  return TWO_DIGITS[value] ?? pad(value, 2);
}

function pad9(value: number): string {
  return Number.isInteger(value) && value >= 0 && value < 1e9 ? String(1e9 + value).slice(1) : pad(value, 9);
}

// ---------------------------------------------------------------- temporal text forms

function formatYear(year: number): string {
  if (Number.isInteger(year) && year >= 0 && year <= 9999) return String(10000 + year).slice(1);
  return (year < 0 ? "-" : "+") + pad(Math.abs(year), 4);
}

function formatDate(year: number, month: number, day: number): string {
  return `${formatYear(year)}-${pad2(month)}-${pad2(day)}`;
}

function formatLocalTime(hour: number, minute: number, second: number, nano: number): string {
  const base = `${pad2(hour)}:${pad2(minute)}:${pad2(second)}`;
  return nano === 0 ? base : `${base}.${pad9(nano)}`;
}

function formatOffset(offsetSeconds: number): string {
  if (offsetSeconds === 0) return "Z";
  const sign = offsetSeconds < 0 ? "-" : "+";
  const abs = Math.abs(offsetSeconds);
  const hh = Math.floor(abs / 3600);
  const mm = Math.floor((abs % 3600) / 60);
  const ss = abs % 60;
  return `${sign}${pad2(hh)}:${pad2(mm)}${ss === 0 ? "" : `:${pad2(ss)}`}`;
}

const DATE_RE = /^([+-]\d{4,9}|\d{4})-(\d{2})-(\d{2})$/;
const TIME_RE = /^(\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,9}))?$/;
const OFFSET_RE = /^(?:Z|([+-])(\d{2}):(\d{2})(?::(\d{2}))?)$/;

interface ParsedDate {
  year: number;
  month: number;
  day: number;
}
interface ParsedTime {
  hour: number;
  minute: number;
  second: number;
  nano: number;
}

/** Days in a month of the proleptic Gregorian calendar (the one Neo4j uses, for any year). */
function daysInMonth(year: number, month: number): number {
  if (month === 2) return (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0 ? 29 : 28;
  return [4, 6, 9, 11].includes(month) ? 30 : 31;
}

function parseDate(text: string, path: string): ParsedDate {
  const m = DATE_RE.exec(text);
  if (!m) throw new ValueCodecError(`invalid date "${text}"`, path);
  const d = { year: Number(m[1]), month: Number(m[2]), day: Number(m[3]) };
  if (d.month < 1 || d.month > 12 || d.day < 1 || d.day > daysInMonth(d.year, d.month)) {
    throw new ValueCodecError(`invalid date "${text}"`, path);
  }
  return d;
}

function parseTime(text: string, path: string): ParsedTime {
  const m = TIME_RE.exec(text);
  if (!m) throw new ValueCodecError(`invalid time "${text}"`, path);
  const t = {
    hour: Number(m[1]),
    minute: Number(m[2]),
    second: Number(m[3]),
    nano: m[4] ? Number(m[4].padEnd(9, "0")) : 0,
  };
  if (t.hour > 23 || t.minute > 59 || t.second > 59) {
    throw new ValueCodecError(`invalid time "${text}"`, path);
  }
  return t;
}

function parseOffset(text: string, path: string): number {
  const m = OFFSET_RE.exec(text);
  if (!m) throw new ValueCodecError(`invalid UTC offset "${text}"`, path);
  if (text === "Z") return 0;
  const seconds = Number(m[2]) * 3600 + Number(m[3]) * 60 + Number(m[4] ?? 0);
  if (seconds > 18 * 3600) throw new ValueCodecError(`UTC offset out of range "${text}"`, path);
  return m[1] === "-" ? -seconds : seconds;
}

/** Splits "<local part><offset>" where the offset is Z or ±HH:MM[:SS]. */
function splitOffset(text: string, path: string): [string, number] {
  if (text.endsWith("Z")) return [text.slice(0, -1), 0];
  const m = /[+-]\d{2}:\d{2}(?::\d{2})?$/.exec(text);
  if (!m) throw new ValueCodecError(`missing UTC offset in "${text}"`, path);
  return [text.slice(0, m.index), parseOffset(m[0], path)];
}

function splitDateTime(text: string, path: string): [ParsedDate, ParsedTime] {
  const t = text.indexOf("T");
  if (t < 0) throw new ValueCodecError(`invalid date-time "${text}"`, path);
  return [parseDate(text.slice(0, t), path), parseTime(text.slice(t + 1), path)];
}

// ---------------------------------------------------------------- durations

/** `P<months>M<days>DT<seconds>[.<nanos>]S`, each part signed; seconds+nanos written as one exact decimal. */
function formatDuration(d: Duration<Integer | number | bigint>): string {
  const months = toBigInt(d.months);
  const days = toBigInt(d.days);
  const total = toBigInt(d.seconds) * 1_000_000_000n + toBigInt(d.nanoseconds);
  const negative = total < 0n;
  const abs = negative ? -total : total;
  const whole = abs / 1_000_000_000n;
  const frac = abs % 1_000_000_000n;
  const secs = `${negative ? "-" : ""}${whole}${frac === 0n ? "" : `.${frac.toString().padStart(9, "0")}`}`;
  return `P${months}M${days}DT${secs}S`;
}

const DURATION_RE = /^P(-?\d+)M(-?\d+)DT(-?)(\d+)(?:\.(\d{1,9}))?S$/;

function parseDuration(text: string, path: string): Duration {
  const m = DURATION_RE.exec(text);
  if (!m) throw new ValueCodecError(`invalid duration "${text}"`, path);
  const months = BigInt(m[1]!);
  const days = BigInt(m[2]!);
  let total = BigInt(m[4]!) * 1_000_000_000n + BigInt((m[5] ?? "").padEnd(9, "0") || "0");
  if (m[3] === "-") total = -total;
  // floor division so that 0 <= nanoseconds < 1e9, as the server normalises
  let seconds = total / 1_000_000_000n;
  let nanos = total % 1_000_000_000n;
  if (nanos < 0n) {
    nanos += 1_000_000_000n;
    seconds -= 1n;
  }
  for (const [part, value] of [
    ["months", months],
    ["days", days],
    ["seconds", seconds],
  ] as const) {
    if (value > INT64_MAX || value < INT64_MIN) {
      throw new ValueCodecError(`duration ${part} out of int64 range in "${text}"`, path);
    }
  }
  return new Duration(
    neo4j.int(months.toString()),
    neo4j.int(days.toString()),
    neo4j.int(seconds.toString()),
    neo4j.int(Number(nanos)),
  );
}

// ---------------------------------------------------------------- floats

/** Text form of a float inside `$float`/points: `String(x)`, with `-0` kept. */
function floatText(value: number): string {
  return Object.is(value, -0) ? "-0" : String(value);
}

const FLOAT_TEXT_RE = /^(?:NaN|-?Infinity|-?(?:\d+(?:\.\d+)?)(?:e[+-]?\d+)?)$/;

/** The largest float, for messages. */
const FLOAT_LIMIT = "±1.7976931348623157e308";

function parseFloatText(text: string, path: string): number {
  const value = Number(text);
  // digits beyond the largest float (a number of the file read from its text, `1E+400`) would
  // become Infinity; only "Infinity" itself is one (text that is no number at all is NaN: invalid)
  if (Math.abs(value) === Number.POSITIVE_INFINITY && /^-?\d/.test(text)) {
    throw new ValueCodecError(`the number ${text} is beyond the range of a float (${FLOAT_LIMIT})`, path);
  }
  if (!FLOAT_TEXT_RE.test(text)) throw new ValueCodecError(`invalid float "${text}"`, path);
  return value;
}

/** Coordinate: a JSON number when finite and not -0, else the float text. */
function encodeCoordinate(value: number): number | string {
  return Number.isFinite(value) && !Object.is(value, -0) ? value : floatText(value);
}

function decodeCoordinate(value: unknown, path: string): number {
  if (typeof value === "number") {
    // JSON itself has no Infinity: a number that reads as one was written beyond the range
    if (!Number.isFinite(value))
      throw new ValueCodecError(`a coordinate is beyond the range of a float (${FLOAT_LIMIT})`, path);
    return value;
  }
  if (typeof value === "string") return parseFloatText(value, path);
  throw new ValueCodecError("point coordinate must be a number or float text", path);
}

// ---------------------------------------------------------------- vectors

const VECTOR_TYPES = ["INT8", "INT16", "INT32", "INT64", "FLOAT32", "FLOAT64"] as const;
type VectorTypeName = (typeof VECTOR_TYPES)[number];

function encodeVector(v: Vector<never>): EncodedValue {
  const type = v.getType() as VectorTypeName;
  const array = v.asTypedArray() as unknown as ArrayLike<number | bigint>;
  const values: (number | string)[] = new Array(array.length);
  for (let i = 0; i < array.length; i++) {
    const x = array[i]!;
    values[i] = typeof x === "bigint" ? x.toString() : encodeCoordinate(x);
  }
  return { $vector: { type, values } };
}

function decodeVector(body: unknown, path: string): Vector<never> {
  if (typeof body !== "object" || body === null) throw new ValueCodecError("invalid $vector", path);
  const { type, values } = body as { type?: unknown; values?: unknown };
  if (!VECTOR_TYPES.includes(type as VectorTypeName) || !Array.isArray(values)) {
    throw new ValueCodecError("invalid $vector: needs a type and values", path);
  }
  const n = values.length;
  let array: Float32Array | Float64Array | Int8Array | Int16Array | Int32Array | BigInt64Array;
  switch (type as VectorTypeName) {
    case "FLOAT32":
      array = new Float32Array(n);
      break;
    case "FLOAT64":
      array = new Float64Array(n);
      break;
    case "INT8":
      array = new Int8Array(n);
      break;
    case "INT16":
      array = new Int16Array(n);
      break;
    case "INT32":
      array = new Int32Array(n);
      break;
    default:
      array = new BigInt64Array(n);
  }
  for (let i = 0; i < n; i++) {
    const raw = values[i];
    if (array instanceof BigInt64Array) {
      if (typeof raw !== "string" || !/^-?\d+$/.test(raw)) {
        throw new ValueCodecError("INT64 vector values must be decimal strings", `${path}[${i}]`);
      }
      array[i] = BigInt(raw);
    } else {
      const x = decodeCoordinate(raw, `${path}[${i}]`);
      array[i] = x;
      if (!Object.is(array[i], x) && !(Number.isNaN(x) && Number.isNaN(array[i] as number))) {
        throw new ValueCodecError(`value ${raw} does not fit a ${type} vector`, `${path}[${i}]`);
      }
    }
  }
  return vector(array) as unknown as Vector<never>;
}

// ---------------------------------------------------------------- encode

/**
 * Encodes one property value (as returned by neo4j-driver) into its exact JSON form.
 *
 * @param value - a driver value: string, boolean, number (Float), Integer or bigint (Integer),
 *   Int8Array (bytes), a temporal, Duration, Point or Vector, or a homogeneous array of these.
 * @param path - where the value sits, used in error messages.
 * @throws ValueCodecError for values Neo4j cannot store or the driver could not decode.
 */
export function encodeValue(value: unknown, path = "value"): EncodedValue {
  switch (typeof value) {
    case "string":
    case "boolean":
      return value;
    case "number":
      return Number.isInteger(value) || !Number.isFinite(value) ? { $float: floatText(value) } : value;
    case "bigint":
      return encodeInteger(value, path);
    case "object":
      break;
    default:
      throw new ValueCodecError(`cannot encode a ${typeof value}`, path);
  }
  if (value === null) throw new ValueCodecError("null is not a property value", path);
  if (Array.isArray(value)) {
    const out: EncodedValue[] = new Array(value.length);
    for (let i = 0; i < value.length; i++) out[i] = encodeAt(value[i], path, i);
    return out;
  }
  if (isInt(value)) {
    const integer = value as Integer;
    return isSafeInteger(integer) ? integer.toNumber() : encodeInteger(toBigInt(integer), path);
  }
  if (value instanceof Int8Array)
    return { $bytes: Buffer.from(value.buffer, value.byteOffset, value.length).toString("base64") };
  if (isDateTime(value)) {
    const d = value as DateTime<Integer | number>;
    const local = `${formatDate(num(d.year), num(d.month), num(d.day))}T${formatLocalTime(num(d.hour), num(d.minute), num(d.second), num(d.nanosecond))}`;
    const offset = d.timeZoneOffsetSeconds;
    const zone = d.timeZoneId;
    if (offset === undefined || offset === null) {
      if (!zone) throw new ValueCodecError("DateTime without offset and zone", path);
      return { $datetime: `${local}[${zone}]` };
    }
    return { $datetime: `${local}${formatOffset(num(offset))}${zone ? `[${zone}]` : ""}` };
  }
  if (isLocalDateTime(value)) {
    const d = value as LocalDateTime<Integer | number>;
    return {
      $localdatetime: `${formatDate(num(d.year), num(d.month), num(d.day))}T${formatLocalTime(num(d.hour), num(d.minute), num(d.second), num(d.nanosecond))}`,
    };
  }
  if (isDate(value)) {
    const d = value as Neo4jDate<Integer | number>;
    return { $date: formatDate(num(d.year), num(d.month), num(d.day)) };
  }
  if (isTime(value)) {
    const t = value as Time<Integer | number>;
    return {
      $time: `${formatLocalTime(num(t.hour), num(t.minute), num(t.second), num(t.nanosecond))}${formatOffset(num(t.timeZoneOffsetSeconds))}`,
    };
  }
  if (isLocalTime(value)) {
    const t = value as LocalTime<Integer | number>;
    return { $localtime: formatLocalTime(num(t.hour), num(t.minute), num(t.second), num(t.nanosecond)) };
  }
  if (isDuration(value)) return { $duration: formatDuration(value as Duration<Integer | number>) };
  if (isPoint(value)) {
    const p = value as Point<Integer | number>;
    const body: Record<string, number | string> = {
      srid: num(p.srid),
      x: encodeCoordinate(p.x),
      y: encodeCoordinate(p.y),
    };
    if (p.z !== undefined) body.z = encodeCoordinate(p.z);
    return { $point: body };
  }
  if (isVector(value)) return encodeVector(value as Vector<never>);
  const name = (value as { constructor?: { name?: string } }).constructor?.name ?? "object";
  if (isUnsupportedType(value)) {
    throw new ValueCodecError(
      `the driver could not decode a server type (${String((value as { name?: string }).name)}); upgrade neo4j-driver`,
      path,
    );
  }
  throw new ValueCodecError(`cannot encode a value of type ${name}`, path);
}

/**
 * Encodes the element `at` of a list or map at `path`. The element's own path is only built when it
 * cannot be encoded (encoding again with it then throws the same error, saying where): most values
 * encode, and building a path for each was a large part of encoding a record.
 */
function encodeAt(value: unknown, path: string, at: string | number): EncodedValue {
  try {
    return encodeValue(value, path);
  } catch (error) {
    if (!(error instanceof ValueCodecError)) throw error;
    return encodeValue(value, typeof at === "number" ? `${path}[${at}]` : `${path}.${at}`);
  }
}

function encodeInteger(value: bigint, path: string): EncodedValue {
  if (value > INT64_MAX || value < INT64_MIN) throw new ValueCodecError("integer out of int64 range", path);
  return value <= MAX_SAFE && value >= MIN_SAFE ? Number(value) : { $int: value.toString() };
}

// ---------------------------------------------------------------- decode

/**
 * Decodes a JSON value from a backup file into the driver value that writes it back exactly.
 * Integers become neo4j-driver `Integer`s, floats JS numbers, bytes `Int8Array`s.
 *
 * @throws ValueCodecError when the value is not valid format-2 JSON for a property.
 */
// biome-ignore lint/complexity/noExcessiveLinesPerFunction: the codec's one switch over every wrapper type, read as a table
export function decodeValue(value: unknown, path = "value"): unknown {
  switch (typeof value) {
    case "string":
    case "boolean":
      return value;
    case "number":
      if (Number.isInteger(value)) {
        if (!Number.isSafeInteger(value)) {
          throw new ValueCodecError("plain integers must be within ±(2^53-1); use $int", path);
        }
        return neo4j.int(value);
      }
      return value;
    case "object":
      break;
    default:
      throw new ValueCodecError(`unexpected ${typeof value}`, path);
  }
  if (value === null) throw new ValueCodecError("null is not a property value", path);
  if (Array.isArray(value)) {
    const out: unknown[] = new Array(value.length);
    for (let i = 0; i < value.length; i++) out[i] = decodeValue(value[i], `${path}[${i}]`);
    checkHomogeneous(out, path);
    return out;
  }
  const keys = Object.keys(value);
  if (keys.length !== 1) {
    throw new ValueCodecError(`a typed wrapper has exactly one key, found ${keys.length}`, path);
  }
  const key = keys[0]!;
  const body = (value as Record<string, unknown>)[key];
  const needText = (): string => {
    if (typeof body !== "string") throw new ValueCodecError(`${key} needs a string`, path);
    return body;
  };
  switch (key) {
    case "$int": {
      const text = needText();
      if (!/^-?\d+$/.test(text)) throw new ValueCodecError(`invalid integer "${text}"`, path);
      const big = BigInt(text);
      if (big > INT64_MAX || big < INT64_MIN) throw new ValueCodecError("integer out of int64 range", path);
      return neo4j.int(text);
    }
    case "$float":
      return parseFloatText(needText(), path);
    case "$bytes": {
      const text = needText();
      if (!/^[A-Za-z0-9+/]*={0,2}$/.test(text) || text.length % 4 !== 0) {
        throw new ValueCodecError("invalid base64 in $bytes", path);
      }
      const buf = Buffer.from(text, "base64");
      return new Int8Array(buf.buffer, buf.byteOffset, buf.length);
    }
    case "$date": {
      const d = parseDate(needText(), path);
      return new Neo4jDate(d.year, d.month, d.day);
    }
    case "$localtime": {
      const t = parseTime(needText(), path);
      return new LocalTime(t.hour, t.minute, t.second, t.nano);
    }
    case "$time": {
      const [local, offset] = splitOffset(needText(), path);
      const t = parseTime(local, path);
      return new Time(t.hour, t.minute, t.second, t.nano, offset);
    }
    case "$localdatetime": {
      const [d, t] = splitDateTime(needText(), path);
      return new LocalDateTime(d.year, d.month, d.day, t.hour, t.minute, t.second, t.nano);
    }
    case "$datetime": {
      let text = needText();
      let zone: string | undefined;
      const bracket = text.indexOf("[");
      if (bracket >= 0) {
        if (!text.endsWith("]")) throw new ValueCodecError(`invalid zone in "${text}"`, path);
        zone = text.slice(bracket + 1, -1);
        if (!/^[A-Za-z0-9_+\-/]+$/.test(zone)) throw new ValueCodecError(`invalid zone id "${zone}"`, path);
        text = text.slice(0, bracket);
      }
      let offset: number | undefined;
      let local = text;
      if (zone === undefined || /(?:Z|[+-]\d{2}:\d{2}(?::\d{2})?)$/.test(text.slice(text.indexOf("T")))) {
        [local, offset] = splitOffset(text, path);
      }
      const [d, t] = splitDateTime(local, path);
      return new DateTime(d.year, d.month, d.day, t.hour, t.minute, t.second, t.nano, offset, zone ?? null);
    }
    case "$duration":
      return parseDuration(needText(), path);
    case "$point": {
      if (typeof body !== "object" || body === null) throw new ValueCodecError("invalid $point", path);
      const { srid, x, y, z } = body as Record<string, unknown>;
      if (srid !== 7203 && srid !== 9157 && srid !== 4326 && srid !== 4979) {
        throw new ValueCodecError(`unknown point srid ${String(srid)}`, path);
      }
      const is3d = srid === 9157 || srid === 4979;
      if (is3d !== (z !== undefined)) {
        throw new ValueCodecError(`srid ${srid} needs ${is3d ? "x, y and z" : "x and y only"}`, path);
      }
      const px = decodeCoordinate(x, `${path}.x`);
      const py = decodeCoordinate(y, `${path}.y`);
      return is3d
        ? new Point(neo4j.int(srid), px, py, decodeCoordinate(z, `${path}.z`))
        : new Point(neo4j.int(srid), px, py);
    }
    case "$vector":
      return decodeVector(body, path);
    default:
      throw new ValueCodecError(`unknown typed wrapper "${key}"`, path);
  }
}

/** The Neo4j type name of a decoded value, for homogeneity checks and reports. */
export function typeNameOf(value: unknown): string {
  if (typeof value === "string") return "String";
  if (typeof value === "boolean") return "Boolean";
  if (typeof value === "number") return "Float";
  if (typeof value === "bigint" || isInt(value)) return "Integer";
  if (value instanceof Int8Array) return "ByteArray";
  if (Array.isArray(value)) return "List";
  if (isDateTime(value)) return "DateTime";
  if (isLocalDateTime(value)) return "LocalDateTime";
  if (isDate(value)) return "Date";
  if (isTime(value)) return "Time";
  if (isLocalTime(value)) return "LocalTime";
  if (isDuration(value)) return "Duration";
  if (isPoint(value)) return "Point";
  if (isVector(value)) return "Vector";
  return "Unknown";
}

function checkHomogeneous(items: unknown[], path: string): void {
  if (items.length === 0) return;
  const first = typeNameOf(items[0]);
  if (first === "List" || first === "ByteArray" || first === "Vector") {
    throw new ValueCodecError(`a list property cannot hold ${first} elements`, path);
  }
  for (let i = 1; i < items.length; i++) {
    const t = typeNameOf(items[i]);
    if (t !== first) throw new ValueCodecError(`list mixes ${first} and ${t}`, `${path}[${i}]`);
  }
}

/** Encodes a property map; keys are kept exactly, values encoded with {@link encodeValue}. */
export function encodeProperties(
  props: Record<string, unknown>,
  path = "properties",
): Record<string, EncodedValue> {
  const keys = Object.keys(props).sort();
  // no prototype: a property may be called "__proto__"
  const out: Record<string, EncodedValue> = Object.create(null);
  for (const key of keys) out[key] = encodeAt(props[key], path, key);
  return out;
}

/** Decodes a property map written by {@link encodeProperties}. */
export function decodeProperties(
  props: Record<string, unknown>,
  path = "properties",
): Record<string, unknown> {
  const out: Record<string, unknown> = Object.create(null);
  for (const key of Object.keys(props)) out[key] = decodeValue(props[key], `${path}.${key}`);
  return out;
}
