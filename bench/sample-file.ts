/**
 * The sample graph (scripts/sample-graph) written as a backup file in the line layout, as
 * createBackup would write it, without a server: for benchmarks of reading and validating files.
 */
import { createWriteStream } from "node:fs";
import { finished } from "node:stream/promises";
import {
  expectedCounts,
  sampleNodeBatches,
  sampleRelationshipBatches,
} from "../scripts/sample-graph/index.js";
import {
  METADATA_PREFIX,
  NODES_OPEN,
  RELATIONSHIPS_OPEN,
  SECTION_CLOSE,
  statisticsLine,
} from "../src/format/layout.js";
import {
  ContentChecksum,
  canonicalNodeLine,
  canonicalRelationshipLine,
  metadataChecksum,
} from "../src/format/records.js";
import type { BackupMetadata, BackupStatistics } from "../src/format/schema.js";
import { encodeProperties } from "../src/format/values.js";

/** Metadata of a sample file (valid for the schema; the counts are the graph's). */
function sampleMetadata(nodes: number, relationships: number): BackupMetadata {
  return {
    format: "neo4j-backup",
    format_version: 2,
    timestamp: "20250101_000000",
    datetime: "2025-01-01T00:00:00.000Z",
    reason: "benchmark",
    node_count: nodes,
    relationship_count: relationships,
    version: "0.1.0",
    backup_type: "full",
    source: "sample graph",
    database: "neo4j",
    server: { version: "5.26.0", edition: "community" },
    started_at: "2025-01-01T00:00:00.000Z",
    finished_at: "2025-01-01T00:00:01.000Z",
    duration_ms: 1000,
    consistency: { changed_during_backup: false, detection: "bookmark", skipped_relationships: 0 },
    schema: { indexes: [], constraints: [] },
  };
}

/**
 * Writes the sample graph of `nodes` domain nodes (seed 42, special content included) to `file`.
 * @returns how many records (nodes and relationships) it holds.
 */
export async function writeSampleBackup(file: string, nodes: number): Promise<number> {
  const options = { seed: 42, nodes };
  const counts = expectedCounts(options);
  const out = createWriteStream(file);
  const write = (text: string) =>
    out.write(text) ? undefined : new Promise<void>((resolve) => out.once("drain", () => resolve()));
  const checksum = new ContentChecksum();
  const metadata = sampleMetadata(counts.nodes, counts.relationships);
  await write(`${METADATA_PREFIX}${JSON.stringify(metadata)},\n${NODES_OPEN}\n`);
  let first = true;
  for (const batch of sampleNodeBatches(options, 5000)) {
    const lines = batch.map((n) =>
      canonicalNodeLine({ _id: n.key, _labels: [...n.labels], properties: encodeProperties(n.properties) }),
    );
    for (const line of lines) checksum.addNode(line);
    await write(`${first ? "" : ",\n"}${lines.join(",\n")}`);
    first = false;
  }
  await write(`\n${SECTION_CLOSE}\n${RELATIONSHIPS_OPEN}\n`);
  first = true;
  for (const batch of sampleRelationshipBatches(options, 5000)) {
    const lines = batch.map((r) =>
      canonicalRelationshipLine({
        _id: r.key,
        _type: r.type,
        _start_id: r.start,
        _end_id: r.end,
        properties: encodeProperties(r.properties),
      }),
    );
    for (const line of lines) checksum.addRelationship(line);
    await write(`${first ? "" : ",\n"}${lines.join(",\n")}`);
    first = false;
  }
  const statistics: BackupStatistics = {
    node_count: counts.nodes,
    relationship_count: counts.relationships,
    label_counts: counts.labels,
    relationship_type_counts: counts.types,
    checksum: checksum.digest(),
    metadata_checksum: metadataChecksum(metadata),
  };
  await write(`\n${SECTION_CLOSE}\n${statisticsLine(statistics)}`);
  out.end();
  await finished(out);
  return counts.nodes + counts.relationships;
}
