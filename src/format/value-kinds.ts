/**
 * Kinds of value a server might not hold exactly: one sample of each kind a file holds is enough to
 * ask a target, before writing, whether it gives the value back unchanged. A kind is the typed
 * wrapper and what about it varies between servers — a float's special value, a point's reference
 * system and its special coordinates, a date-time's zone id, a year beyond four digits. Plain
 * strings, booleans and numbers are exact everywhere and have no kind.
 */
import type { Location } from "./reader.js";
import type { RecordId } from "./records.js";
import type { EncodedValue } from "./values.js";

/** One value of a kind, and where it was first found. */
export interface ValueSample {
  /** The kind, e.g. `$point:4326:x=-0`, `$datetime:Europe/Berlin`. */
  kind: string;
  /** The value as the file encodes it (a list of one element for a kind found inside a list). */
  value: EncodedValue;
  /** The record it was found in. */
  location: Location;
  /** The record's `_id`. */
  id: RecordId;
  /** The property key. */
  property: string;
}

const yearClass = (text: string): string => (/^\d{4}-/.test(text) ? "" : ":long-year");

function coordinateClass(value: unknown): string {
  if (typeof value === "number") return "";
  return value === "-0" ? "-0" : String(value);
}

function pointKind(body: Record<string, unknown>): string {
  let kind = `$point:${String(body.srid)}`;
  for (const axis of ["x", "y", "z"]) {
    const special = coordinateClass(body[axis]);
    if (special) kind += `:${axis}=${special}`;
  }
  const geographic = body.srid === 4326 || body.srid === 4979;
  if (geographic && (Math.abs(Number(body.x)) > 180 || Math.abs(Number(body.y)) > 90))
    kind += ":out-of-range";
  return kind;
}

/** The kind of one encoded scalar, or undefined for values that are exact everywhere. */
export function valueKind(value: EncodedValue): string | undefined {
  if (value === null || typeof value !== "object" || Array.isArray(value)) return undefined;
  for (const key in value) {
    const body = (value as Record<string, unknown>)[key];
    switch (key) {
      case "$float": {
        const text = String(body);
        return `$float:${/^-?\d+$/.test(text) || /e\+/.test(text) ? "integral" : text}`;
      }
      case "$int":
        return `$int:${String(body).startsWith("-") ? "negative" : "positive"}`;
      case "$date":
      case "$localdatetime":
        return `${key}${yearClass(String(body))}`;
      case "$datetime": {
        const text = String(body);
        const zone = /\[(.+)\]$/.exec(text)?.[1];
        return `$datetime:${zone ?? "offset"}${yearClass(text)}`;
      }
      case "$point":
        return pointKind(body as Record<string, unknown>);
      case "$vector":
        // whether a target stores vectors at all is asked separately
        return undefined;
      default:
        return key;
    }
  }
  return undefined;
}

/**
 * Collects the first value of each kind in a file's records — every kind, however many there are:
 * a kind left out would be a value no target was asked about. (Kinds are few but for zone ids,
 * which a file can hold by the hundred; each costs one small sample.)
 */
export class ValueSampler {
  private readonly byKind = new Map<string, ValueSample>();

  /** The samples, in the order they were found. */
  get samples(): ValueSample[] {
    return [...this.byKind.values()];
  }

  /** Looks at the encoded properties of one record. */
  addRecord(properties: Record<string, EncodedValue>, id: RecordId, location: Location): void {
    for (const property in properties) {
      const value = properties[property]!;
      if (typeof value !== "object") continue;
      if (Array.isArray(value)) {
        for (const item of value) {
          if (typeof item === "object") this.add(valueKind(item), [item], id, location, property, "list:");
        }
      } else this.add(valueKind(value), value, id, location, property, "");
    }
  }

  private add(
    kind: string | undefined,
    value: EncodedValue,
    id: RecordId,
    location: Location,
    property: string,
    prefix: string,
  ): void {
    if (kind === undefined) return;
    const key = prefix + kind;
    if (!this.byKind.has(key)) this.byKind.set(key, { kind: key, value, location, id, property });
  }
}
