/**
 * The canonical record line of a node or relationship read from the database: its properties
 * encoded exactly (docs/format.md) and the record serialised as one JSON line. Used by the backup
 * on its own thread and by the read workers of a parallel backup, so both write the same bytes.
 */
import { BackupError } from "../errors.js";
import { encodeProperties } from "../format/values.js";
import type { NodeRow, RelationshipRow } from "./read-graph.js";

/** The line of a node (without "\n"). @throws BackupError `UNSUPPORTED_VALUE` naming the node. */
export function nodeLine(node: NodeRow): string {
  const properties = encodeWithContext(node.properties, `node ${node.id}`);
  return JSON.stringify({ _id: node.id, _labels: node.labels, properties });
}

/** The line of a relationship (without "\n"). @throws BackupError `UNSUPPORTED_VALUE` naming it. */
export function relationshipLine(rel: RelationshipRow): string {
  const properties = encodeWithContext(rel.properties, `relationship ${rel.id}`);
  return JSON.stringify({
    _id: rel.id,
    _type: rel.type,
    _start_id: rel.start,
    _end_id: rel.end,
    properties,
  });
}

function encodeWithContext(
  props: Record<string, unknown>,
  where: string,
): ReturnType<typeof encodeProperties> {
  try {
    return encodeProperties(props, "properties");
  } catch (error) {
    throw new BackupError("UNSUPPORTED_VALUE", `${where}: ${(error as Error).message}`, { cause: error });
  }
}
