/**
 * A quick structural check of format-2 records that accepts only records the zod schema accepts, so
 * validation can skip the (much slower) schema run for the common case. Anything it does not
 * recognise at once goes to zod, which stays the definition of the format and words every problem.
 */
import { BASE64_TEXT, DECIMAL_INTEGER_TEXT, FLOAT_TEXT, propertyValueSchema } from "../format/schema.js";

const isRecordId = (value: unknown): boolean =>
  typeof value === "number"
    ? Number.isSafeInteger(value) && value >= 0
    : typeof value === "string" && value.length > 0;

const isScalar = (value: unknown): boolean =>
  typeof value === "string" ||
  typeof value === "boolean" ||
  (typeof value === "number" && Number.isFinite(value));

/** The wrappers whose body the schema accepts as any string, and those checked by a pattern. */
const TEXT_WRAPPERS = new Set(["$date", "$time", "$localtime", "$datetime", "$localdatetime", "$duration"]);
const PATTERN_WRAPPERS = new Map([
  ["$int", DECIMAL_INTEGER_TEXT],
  ["$float", FLOAT_TEXT],
  ["$bytes", BASE64_TEXT],
]);

/** A one-key wrapper with a text body that the schema accepts (points and vectors go to the schema). */
function isTextWrapper(value: unknown): boolean {
  if (value === null || typeof value !== "object" || Array.isArray(value)) return false;
  let key: string | undefined;
  for (const k in value as Record<string, unknown>) {
    if (key !== undefined) return false;
    key = k;
  }
  if (key === undefined) return false;
  const body = (value as Record<string, unknown>)[key];
  if (typeof body !== "string") return false;
  if (TEXT_WRAPPERS.has(key)) return true;
  return PATTERN_WRAPPERS.get(key)?.test(body) ?? false;
}

function isPropertyValue(value: unknown): boolean {
  if (isScalar(value) || isTextWrapper(value)) return true;
  if (Array.isArray(value)) {
    let plain = true;
    for (const item of value) {
      if (!isScalar(item)) {
        plain = false;
        break;
      }
    }
    if (plain) return true;
  }
  // typed wrappers (and anything unusual): the schema decides, for this value only
  return propertyValueSchema.safeParse(value).success;
}

function isPropertyMap(value: unknown): boolean {
  if (value === null || typeof value !== "object" || Array.isArray(value)) return false;
  for (const key in value as Record<string, unknown>) {
    if (!isPropertyValue((value as Record<string, unknown>)[key])) return false;
  }
  return true;
}

function hasExactly(value: object, keys: number): boolean {
  let count = 0;
  for (const _ in value) count++;
  return count === keys;
}

/** True only when `value` is a format-2 node record that `nodeRecordSchema` accepts. */
export function isWellFormedNode(value: unknown): boolean {
  if (value === null || typeof value !== "object" || Array.isArray(value)) return false;
  const record = value as Record<string, unknown>;
  if (!hasExactly(record, 3) || !isRecordId(record._id)) return false;
  const labels = record._labels;
  if (!Array.isArray(labels)) return false;
  for (const label of labels) if (typeof label !== "string" || label.length === 0) return false;
  return isPropertyMap(record.properties);
}

/** True only when `value` is a format-2 relationship record that `relationshipRecordSchema` accepts. */
export function isWellFormedRelationship(value: unknown): boolean {
  if (value === null || typeof value !== "object" || Array.isArray(value)) return false;
  const record = value as Record<string, unknown>;
  return (
    hasExactly(record, 5) &&
    isRecordId(record._id) &&
    typeof record._type === "string" &&
    record._type.length > 0 &&
    isRecordId(record._start_id) &&
    isRecordId(record._end_id) &&
    isPropertyMap(record.properties)
  );
}
