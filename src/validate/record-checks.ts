/**
 * The checks of one record or count: schema (after the quick check), property values, dangling
 * endpoints, and counts against what the file says of itself.
 */
import type { z } from "zod";
import { decodeRecordProperties, holdsVector } from "../format/properties.js";
import type { Location } from "../format/reader.js";
import { ValueCodecError } from "../format/values.js";
import type { ReportBuilder } from "./report.js";

/**
 * A record that passed the quick check as it is, or else what the schema makes of it; a record the
 * schema refuses is reported and `undefined` returned.
 */
export function checkedRecord<T>(
  event: { value: unknown; location: Location },
  wellFormed: boolean,
  schema: z.ZodType,
  builder: ReportBuilder,
): (T & Record<string, unknown>) | undefined {
  if (wellFormed) return event.value as T & Record<string, unknown>;
  const parsed = schema.safeParse(event.value);
  if (parsed.success) return parsed.data as T & Record<string, unknown>;
  builder.zod(parsed.error, event.location, event.value);
  return undefined;
}

/** Reports a relationship endpoint that is not among the file's nodes. */
export function danglingProblem(builder: ReportBuilder, id: string | number, location: Location): void {
  builder.report.danglingRelationships++;
  builder.add(
    "error",
    "DANGLING_RELATIONSHIP",
    `relationship refers to node _id ${JSON.stringify(id)} which is not in the file`,
    location,
  );
}

/**
 * Decodes a record's properties, reporting what cannot be decoded (an error) and version-1 nulls
 * (a warning); notes VECTOR values in the report. Returns undefined when the record is unusable.
 */
export function checkProperties(
  version: 1 | 2,
  record: Record<string, unknown>,
  location: Location,
  builder: ReportBuilder,
): Record<string, unknown> | undefined {
  if (version === 1 && typeof record.properties === "object" && record.properties !== null) {
    builder.add(
      "error",
      "V1_AMBIGUOUS",
      "a v1 record with an object under `properties` is ambiguous",
      location,
    );
    return undefined;
  }
  try {
    const { properties, dropped } = decodeRecordProperties(version, record, location.path);
    for (const key of dropped) {
      builder.add(
        "warning",
        "V1_NULL",
        `property ${JSON.stringify(key)} is null and will be skipped`,
        location,
      );
    }
    if (version === 2 && !builder.report.usesVectors && holdsVector(properties)) {
      builder.report.usesVectors = true;
    }
    return properties;
  } catch (error) {
    if (error instanceof ValueCodecError) {
      builder.add("error", "VALUE", error.message, { ...location, path: error.path });
      return undefined;
    }
    throw error;
  }
}

/** Reports a count the file states (`recorded`) that differs from what it holds. */
export function compareCount(
  builder: ReportBuilder,
  recorded: unknown,
  actual: number,
  path: string,
  what: string,
): void {
  if (typeof recorded === "number" && recorded !== actual) {
    builder.add("error", "COUNT_MISMATCH", `${path} says ${recorded} but the file holds ${actual} ${what}`, {
      path,
    });
  }
}

/** Reports every key of recorded per-label or per-type counts that differs from what the file holds. */
export function compareCounts(
  builder: ReportBuilder,
  recorded: unknown,
  actual: Record<string, number>,
  path: string,
): void {
  if (recorded === undefined || recorded === null || typeof recorded !== "object") return;
  const rec = recorded as Record<string, unknown>;
  for (const key of new Set([...Object.keys(rec), ...Object.keys(actual)])) {
    const r = rec[key] ?? 0;
    const a = actual[key] ?? 0;
    if (r !== a) {
      builder.add(
        "error",
        "COUNT_MISMATCH",
        `${path} says ${JSON.stringify(key)}: ${String(r)} but the file holds ${a}`,
        {
          path: `${path}.${key}`,
        },
      );
    }
  }
}
