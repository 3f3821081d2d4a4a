/**
 * A record's properties decoded for the driver, whichever format version the file has: version 2
 * keeps them encoded under `properties`; version 1 flattens plain JSON values beside the reserved
 * keys.
 */
import { isVector } from "neo4j-driver";
import { decodeV1Properties } from "./v1.js";
import { decodeProperties } from "./values.js";

/** Decoded properties, and the version-1 keys left out because they were null. */
export interface DecodedProperties {
  properties: Record<string, unknown>;
  /** Always empty for version 2, which has no null properties. */
  dropped: string[];
}

/**
 * Decodes the properties of a node or relationship record read from a file.
 * @param path - the record's location, e.g. `data.nodes[3]`; errors name the property below it.
 * @throws ValueCodecError naming the property when a value cannot be decoded.
 */
export function decodeRecordProperties(
  version: 1 | 2,
  record: Record<string, unknown>,
  path: string,
): DecodedProperties {
  if (version === 1) return decodeV1Properties(record, path);
  const encoded = (record.properties ?? {}) as Record<string, unknown>;
  return { properties: decodeProperties(encoded, `${path}.properties`), dropped: [] };
}

/** Whether any of the decoded `properties` is a VECTOR value (which only some targets can store). */
export function holdsVector(properties: Record<string, unknown>): boolean {
  for (const key in properties) if (isVector(properties[key])) return true;
  return false;
}
