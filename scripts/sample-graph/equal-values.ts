/**
 * Type-exact deep equality for Neo4j property values, as the driver sends and returns them.
 */
import {
  Date as CypherDate,
  DateTime,
  Duration,
  isInt,
  isVector,
  LocalDateTime,
  LocalTime,
  Point,
  Time,
} from "neo4j-driver";

/** Temporal classes and the fields that make up their value, in comparison order. */
const TEMPORAL_FIELDS: ReadonlyArray<readonly [new (...args: never[]) => object, readonly string[]]> = [
  [DateTime, ["year", "month", "day", "hour", "minute", "second", "nanosecond", "timeZoneOffsetSeconds"]],
  [LocalDateTime, ["year", "month", "day", "hour", "minute", "second", "nanosecond"]],
  [CypherDate, ["year", "month", "day"]],
  [Time, ["hour", "minute", "second", "nanosecond", "timeZoneOffsetSeconds"]],
  [LocalTime, ["hour", "minute", "second", "nanosecond"]],
  [Duration, ["months", "days", "seconds", "nanoseconds"]],
];

/** An INTEGER as the driver may hold it (neo4j Integer or bigint), as a bigint; undefined otherwise. */
function integerValue(value: unknown): bigint | undefined {
  if (typeof value === "bigint") return value;
  if (isInt(value)) return BigInt(value.toString());
  return undefined;
}

/** A temporal field, which the driver holds as a number, an Integer or a bigint depending on its origin. */
function fieldValue(value: unknown): bigint | null | undefined {
  if (value === null || value === undefined) return null;
  if (typeof value === "number") return BigInt(value);
  return integerValue(value);
}

function sameTemporal(a: object, b: object, fields: readonly string[]): boolean {
  const ra = a as Record<string, unknown>;
  const rb = b as Record<string, unknown>;
  for (const field of fields) {
    if (fieldValue(ra[field]) !== fieldValue(rb[field])) return false;
  }
  // A zone-id DateTime read back always carries its offset too; the zone id must match when either has one.
  return (ra.timeZoneId ?? null) === (rb.timeZoneId ?? null);
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  if (typeof value !== "object" || value === null) return false;
  const proto = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}

type Typed = ArrayLike<number | bigint> & { constructor: unknown };

function sameTypedArray(a: Typed, b: Typed): boolean {
  if (a.constructor !== b.constructor || a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (!Object.is(a[i], b[i])) return false;
  return true;
}

/**
 * Deep, type-exact equality of Neo4j values: INTEGER (neo4j `Integer` or `bigint`) never equals FLOAT (JS
 * number), NaN equals NaN, -0.0 differs from 0.0, and temporal values, durations, points, byte arrays
 * (`Int8Array`) and vectors compare by type and value. Lists compare element-wise and plain objects (maps,
 * property records) key-wise.
 */
export function equalValues(a: unknown, b: unknown): boolean {
  if (typeof a === "number" || typeof b === "number") return typeof a === typeof b && Object.is(a, b);
  const ia = integerValue(a);
  const ib = integerValue(b);
  if (ia !== undefined || ib !== undefined) return ia !== undefined && ia === ib;
  if (a === null || b === null || a === undefined || b === undefined) return a === b;
  if (typeof a !== "object" || typeof b !== "object") return a === b;
  if (Array.isArray(a) || Array.isArray(b)) {
    if (!Array.isArray(a) || !Array.isArray(b) || a.length !== b.length) return false;
    return a.every((item, i) => equalValues(item, b[i]));
  }
  if (ArrayBuffer.isView(a) || ArrayBuffer.isView(b)) {
    return ArrayBuffer.isView(a) && ArrayBuffer.isView(b) && sameTypedArray(a as never, b as never);
  }
  if (isVector(a) || isVector(b)) {
    return (
      isVector(a) &&
      isVector(b) &&
      a.getType() === b.getType() &&
      sameTypedArray(a.asTypedArray() as Typed, b.asTypedArray() as Typed)
    );
  }
  if (a instanceof Point || b instanceof Point) {
    if (!(a instanceof Point && b instanceof Point)) return false;
    return (
      fieldValue(a.srid) === fieldValue(b.srid) &&
      Object.is(a.x, b.x) &&
      Object.is(a.y, b.y) &&
      Object.is(a.z ?? undefined, b.z ?? undefined)
    );
  }
  for (const [type, fields] of TEMPORAL_FIELDS) {
    if (a instanceof type || b instanceof type) {
      return a instanceof type && b instanceof type && sameTemporal(a, b, fields);
    }
  }
  if (isPlainObject(a) && isPlainObject(b)) {
    const keys = Object.keys(a);
    if (keys.length !== Object.keys(b).length) return false;
    return keys.every((key) => Object.hasOwn(b, key) && equalValues(a[key], b[key]));
  }
  return false;
}
