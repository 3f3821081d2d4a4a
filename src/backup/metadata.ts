/**
 * The metadata line of a new backup. It carries what is known only at the end (counts, duration,
 * whether the database changed), so the room for it is reserved first, from its widest form.
 */
import { metadataLine } from "../format/layout.js";
import { formatTimestamp } from "../format/naming.js";
import type { BackupMetadata } from "../format/schema.js";
import type { ServerInfo } from "../graph/server.js";
import { FORMAT_NAME, FORMAT_VERSION, LIBRARY_VERSION } from "../version.js";

/** What the metadata can only say at the end of a backup. */
export interface MetadataOutcome {
  nodes: number;
  relationships: number;
  finished: string;
  durationMs: number;
  changed: boolean;
  skipped: number;
}

/** Everything a backup's metadata is made of. */
export interface MetadataFacts {
  options: { reason: string; source?: string; series?: string };
  started: Date;
  database: string;
  server: ServerInfo;
  detection: "bookmark" | "counts";
  schema: BackupMetadata["schema"];
  outcome: MetadataOutcome;
}

/** The metadata object written at the top of a backup. */
export function describeBackup(facts: MetadataFacts): BackupMetadata {
  const { options, started, outcome } = facts;
  return {
    format: FORMAT_NAME,
    format_version: FORMAT_VERSION,
    timestamp: formatTimestamp(started),
    datetime: started.toISOString(),
    reason: options.reason,
    node_count: outcome.nodes,
    relationship_count: outcome.relationships,
    version: LIBRARY_VERSION,
    backup_type: "full",
    source: options.source ?? "neo4j-backup",
    database: facts.database,
    ...(options.series !== undefined ? { series: options.series } : {}),
    ...(facts.server.identity
      ? {
          database_identity: {
            id: facts.server.identity.id,
            created: facts.server.identity.created,
            address: facts.server.identity.address,
          },
        }
      : {}),
    server: { version: facts.server.version, edition: facts.server.edition },
    started_at: started.toISOString(),
    finished_at: outcome.finished,
    duration_ms: outcome.durationMs,
    consistency: {
      changed_during_backup: outcome.changed,
      detection: facts.detection,
      skipped_relationships: outcome.skipped,
    },
    schema: facts.schema,
  };
}

/** The widest outcome the metadata line can hold: its size is the room reserved for that line. */
const WIDEST_OUTCOME: MetadataOutcome = {
  nodes: Number.MAX_SAFE_INTEGER,
  relationships: Number.MAX_SAFE_INTEGER,
  // the longest form Date.prototype.toISOString produces
  finished: new Date(-8.64e15).toISOString(),
  durationMs: Number.MAX_SAFE_INTEGER,
  changed: false,
  skipped: Number.MAX_SAFE_INTEGER,
};

/** Bytes to reserve for the metadata line that `describe` will produce at the end. */
export function reservedMetadataBytes(describe: (outcome: MetadataOutcome) => BackupMetadata): number {
  return Buffer.byteLength(metadataLine(describe(WIDEST_OUTCOME)));
}
