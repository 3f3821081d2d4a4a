/**
 * Small backup documents built in memory for tests of the reader and the validator, laid out
 * exactly as createBackup lays them out.
 */
import { renderDocument } from "../../src/format/layout.js";
import {
  ContentChecksum,
  canonicalNodeLine,
  canonicalRelationshipLine,
  metadataChecksum,
  type NodeRecord,
  type RelationshipRecord,
} from "../../src/format/records.js";
import type { BackupMetadata, BackupStatistics } from "../../src/format/schema.js";

export const sampleNodes: NodeRecord[] = [
  {
    _id: 0,
    _labels: ["Function"],
    properties: { name: "system.tag.readBlocking", usage_count: 142, weight: { $float: "1" } },
  },
  {
    _id: 1,
    _labels: ["Function", "Deprecated"],
    properties: { name: "system.db.runQuery", "10": "x", "2": "y" },
  },
  { _id: 7, _labels: [], properties: {} },
];

export const sampleRelationships: RelationshipRecord[] = [
  {
    _id: 0,
    _type: "CO_OCCURS_WITH",
    _start_id: 0,
    _end_id: 1,
    properties: { confidence: 0.85, support: 0.23 },
  },
  { _id: 1, _type: "SELF", _start_id: 7, _end_id: 7, properties: {} },
];

/**
 * Builds a complete, valid format-2 document; `tweak` may change metadata before rendering (the
 * metadata checksum is computed after it). `metadataChecksum: false` builds a file as written
 * before the metadata checksum existed.
 */
export function buildDocument(
  nodes: NodeRecord[] = sampleNodes,
  relationships: RelationshipRecord[] = sampleRelationships,
  tweak?: (m: BackupMetadata, s: BackupStatistics) => void,
  options: { metadataChecksum?: boolean } = {},
): string {
  const checksum = new ContentChecksum();
  const nodeLines = nodes.map((n) => canonicalNodeLine(n));
  const relLines = relationships.map((r) => canonicalRelationshipLine(r));
  for (const l of nodeLines) checksum.addNode(l);
  for (const l of relLines) checksum.addRelationship(l);
  const labelCounts: Record<string, number> = {};
  for (const n of nodes) for (const l of n._labels) labelCounts[l] = (labelCounts[l] ?? 0) + 1;
  const typeCounts: Record<string, number> = {};
  for (const r of relationships) typeCounts[r._type] = (typeCounts[r._type] ?? 0) + 1;
  const metadata: BackupMetadata = {
    format: "neo4j-backup",
    format_version: 2,
    timestamp: "20250128_143022",
    datetime: "2025-01-28T14:30:22.123Z",
    reason: "test",
    node_count: nodes.length,
    relationship_count: relationships.length,
    version: "0.1.0",
    backup_type: "full",
    source: "test",
    database: "neo4j",
    server: { version: "5.26.0", edition: "community" },
    started_at: "2025-01-28T14:30:22.123Z",
    finished_at: "2025-01-28T14:30:23.000Z",
    duration_ms: 877,
    consistency: { changed_during_backup: false, detection: "bookmark", skipped_relationships: 0 },
    schema: { indexes: [], constraints: [] },
  };
  const statistics: BackupStatistics = {
    node_count: nodes.length,
    relationship_count: relationships.length,
    label_counts: labelCounts,
    relationship_type_counts: typeCounts,
    checksum: checksum.digest(),
  };
  tweak?.(metadata, statistics);
  if (options.metadataChecksum !== false) statistics.metadata_checksum = metadataChecksum(metadata);
  return renderDocument(metadata, nodeLines, relLines, statistics);
}

/** The original design's example file (version 1 layout), verbatim in shape. */
export const V1_DOCUMENT = JSON.stringify(
  {
    metadata: {
      timestamp: "20250128_143022",
      datetime: "2025-01-28T14:30:22.123456",
      reason: "Manual backup before deployment",
      node_count: 2,
      relationship_count: 1,
      version: "1.0.0",
      backup_type: "full",
      source: "IGN Scripts Learning System",
    },
    data: {
      nodes: [
        {
          name: "system.tag.readBlocking",
          category: "tag_operations",
          description: "Read tag values with blocking behavior",
          usage_count: 142,
          _labels: ["Function"],
          _id: 1234,
        },
        {
          name: "system.tag.writeBlocking",
          usage_count: 7,
          tags: ["a", "b"],
          _labels: ["Function"],
          _id: 5678,
        },
      ],
      relationships: [
        {
          confidence: 0.85,
          support: 0.23,
          created_at: "2025-01-28T14:30:22",
          _type: "CO_OCCURS_WITH",
          _id: 5678,
          _start_id: 1234,
          _end_id: 5678,
        },
      ],
      statistics: { node_count: 2, relationship_count: 1, label_counts: { Function: 2 } },
    },
  },
  null,
  2,
);

/** A byte stream over a string or buffer, in small chunks to exercise chunk boundaries. */
export async function* chunks(content: string | Buffer, size = 7): AsyncGenerator<Buffer> {
  const buf = typeof content === "string" ? Buffer.from(content, "utf8") : content;
  for (let i = 0; i < buf.length; i += size) yield buf.subarray(i, i + size);
}
