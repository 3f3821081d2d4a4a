/**
 * Reading the original (version 1) layout: properties flattened beside the reserved keys, values
 * as plain JSON. Numbers are read from their text, as the reader hands them over: `1.0` (a
 * fraction or an exponent) is a Float, `1` an Integer (exactly, beyond ±(2^53−1) too), Python's
 * NaN and ±Infinity are Floats. Strings stay strings (a v1 file cannot say that a string was once
 * a temporal value).
 */
import neo4j from "neo4j-driver";
import { isReadNumber } from "./json-values.js";
import { decodeValue, typeNameOf, ValueCodecError } from "./values.js";

/** Keys that v1 records use for structure, never for properties. */
export const V1_RESERVED_KEYS = new Set(["_id", "_labels", "_type", "_start_id", "_end_id"]);

function decodeV1Scalar(value: unknown, path: string): unknown {
  switch (typeof value) {
    case "string":
    case "boolean":
      return value;
    case "number":
      // what the reader leaves a plain number: a safe integer written without a fraction, or a
      // finite float written with one that is not integral
      if (Number.isInteger(value)) {
        if (!Number.isSafeInteger(value)) {
          throw new ValueCodecError("integer beyond ±(2^53-1) cannot be read exactly from a v1 file", path);
        }
        return neo4j.int(value);
      }
      return value;
    default:
      // an integral float, NaN, ±Infinity or a large integer, as the reader read it from its text
      if (isReadNumber(value)) return decodeValue(value, path);
      throw new ValueCodecError(
        value === null ? "null" : `a ${Array.isArray(value) ? "nested list" : "map"} is not a property value`,
        path,
      );
  }
}

/** Decodes one v1 property value; throws ValueCodecError with the path when impossible. */
export function decodeV1Value(value: unknown, path: string): unknown {
  if (!Array.isArray(value)) return decodeV1Scalar(value, path);
  const out = value.map((item, i) => decodeV1Scalar(item, `${path}[${i}]`));
  let kind: string | undefined;
  for (let i = 0; i < out.length; i++) {
    const k = typeNameOf(out[i]);
    if (kind === undefined) kind = k;
    else if (k !== kind) {
      // a hand-written list mixing integers and floats was a list of floats
      if ((kind === "Integer" || kind === "Float") && (k === "Integer" || k === "Float")) {
        kind = "Float";
        continue;
      }
      throw new ValueCodecError(`list mixes ${kind} and ${k}`, `${path}[${i}]`);
    }
  }
  if (kind !== "Float") return out;
  return out.map((item, i) => {
    if (typeof item === "number") return item;
    const integer = item as { inSafeRange(): boolean; toNumber(): number };
    if (!integer.inSafeRange())
      throw new ValueCodecError("integer in a list of floats is too large", `${path}[${i}]`);
    return integer.toNumber();
  });
}

/**
 * Splits a v1 record into its properties (decoded) and the keys that were structure.
 * `null` values are dropped (Neo4j has no null properties) and reported in `dropped`.
 */
export function decodeV1Properties(
  record: Record<string, unknown>,
  path: string,
): { properties: Record<string, unknown>; dropped: string[] } {
  const properties: Record<string, unknown> = Object.create(null);
  const dropped: string[] = [];
  for (const key of Object.keys(record)) {
    if (V1_RESERVED_KEYS.has(key)) continue;
    const value = record[key];
    if (value === null) {
      dropped.push(key);
      continue;
    }
    properties[key] = decodeV1Value(value, `${path}.${key}`);
  }
  return { properties, dropped };
}
