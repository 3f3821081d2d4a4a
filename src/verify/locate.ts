/**
 * Naming the first difference between a backup file and a database, once their fingerprints
 * differ: the first record of the file (in file order) that the database does not hold — its line,
 * path and `_id` — and, against the database record with the same labels (or type) closest to it,
 * the first property that differs. When every record of the file is in the database, the first
 * database record the file lacks. It reads the database twice and the file once more; it runs only
 * after a difference was found.
 */
import type { Driver } from "neo4j-driver";
import type { ReadKeys } from "../codec/age.js";
import { openBackupBytes } from "../codec/open.js";
import { nodeHash, relationshipHash } from "../format/fingerprint.js";
import { NodeIdMap } from "../format/id-map.js";
import { decodeRecordProperties } from "../format/properties.js";
import { type Location, type ReadOptions, readBackupEvents } from "../format/reader.js";
import { canonicalJson, type RecordId } from "../format/records.js";
import { type EncodedValue, encodeProperties } from "../format/values.js";
import { readWholeGraph } from "../graph/read-graph.js";
import type { BackupStorage } from "../storage/contract.js";

/** The first record that differs between a backup and a database. */
export interface RecordDifference {
  /** A node or a relationship. */
  kind: "node" | "relationship";
  /** `backup`: a record of the file the database does not hold; `database`: the other way round. */
  side: "backup" | "database";
  /** Where the record is in the file (side `backup`). */
  location?: Location;
  /** The record's `_id` in the file (side `backup`), or its id in the database (side `database`). */
  id: RecordId;
  /** The node's labels, sorted, or the relationship's type. */
  labels?: string[];
  type?: string;
  /** The first property that differs from the closest database record, when there is one. */
  property?: string;
  /** Its value in the file and in the database (null where the record lacks it). */
  backupValue?: EncodedValue | null;
  databaseValue?: EncodedValue | null;
  /** The difference in words. */
  description: string;
}

/** Hashes of the database's records, as multisets, and of its nodes by id. */
interface DatabaseHashes {
  nodes: Map<number, number>;
  relationships: Map<number, number>;
  nodeById: NodeIdMap;
}

const increment = (counts: Map<number, number>, h: number) => counts.set(h, (counts.get(h) ?? 0) + 1);

/** Takes one of `h` from the multiset; false when there is none left. */
function take(counts: Map<number, number>, h: number): boolean {
  const n = counts.get(h) ?? 0;
  if (n === 0) return false;
  if (n === 1) counts.delete(h);
  else counts.set(h, n - 1);
  return true;
}

async function hashDatabase(driver: Driver, database: string | undefined): Promise<DatabaseHashes> {
  const hashes: DatabaseHashes = { nodes: new Map(), relationships: new Map(), nodeById: new NodeIdMap() };
  await readWholeGraph(driver, {
    database,
    onNode: (n) => {
      const h = nodeHash([...n.labels].sort(), encodeProperties(n.properties));
      hashes.nodeById.set(n.id, h);
      increment(hashes.nodes, h);
    },
    onRelationship: (r) => {
      const h = relationshipHash(
        r.type,
        hashes.nodeById.get(r.start),
        hashes.nodeById.get(r.end),
        encodeProperties(r.properties),
      );
      increment(hashes.relationships, h);
    },
  });
  return hashes;
}

/** A record of the file that the database does not hold. */
interface MissingRecord {
  kind: "node" | "relationship";
  id: RecordId;
  location: Location;
  /** Sorted labels, or the type. */
  labels: string[];
  type: string;
  properties: Record<string, EncodedValue>;
}

/** Reads the file and returns its first record not in the database (consuming the database's hashes). */
async function firstMissingInDatabase(
  storage: BackupStorage,
  name: string,
  read: ReadOptions,
  db: DatabaseHashes,
  decryption: ReadKeys | undefined,
): Promise<MissingRecord | undefined> {
  const fileNodes = new NodeIdMap();
  let version: 1 | 2 = 2;
  for await (const event of readBackupEvents(await openBackupBytes(storage, name, decryption), read)) {
    if (event.kind === "metadata") {
      version = (event.value as { format_version?: unknown } | null)?.format_version === undefined ? 1 : 2;
    }
    if (event.kind !== "node" && event.kind !== "relationship") continue;
    const record = event.value as Record<string, unknown> & { _id: RecordId };
    const decoded = decodeRecordProperties(version, record, event.location.path).properties;
    const properties = encodeProperties(decoded);
    if (event.kind === "node") {
      const labels = [...(record._labels as string[])].sort();
      const h = nodeHash(labels, properties);
      fileNodes.set(record._id, h);
      if (!take(db.nodes, h)) {
        return { kind: "node", id: record._id, location: event.location, labels, type: "", properties };
      }
      continue;
    }
    const start = fileNodes.get(record._start_id as RecordId);
    const end = fileNodes.get(record._end_id as RecordId);
    if (start === undefined || end === undefined) continue; // dangling: never restored
    const type = record._type as string;
    if (!take(db.relationships, relationshipHash(type, start, end, properties))) {
      return { kind: "relationship", id: record._id, location: event.location, labels: [], type, properties };
    }
  }
  return undefined;
}

/** How many properties two records share with equal values. */
function likeness(a: Record<string, EncodedValue>, b: Record<string, EncodedValue>): number {
  let same = 0;
  for (const key in a) if (key in b && canonicalJson(a[key]) === canonicalJson(b[key])) same++;
  return same;
}

/** The first property key (in sorted order) whose value differs between two records. */
function firstDifferentProperty(
  a: Record<string, EncodedValue>,
  b: Record<string, EncodedValue>,
): string | undefined {
  const keys = [...new Set([...Object.keys(a), ...Object.keys(b)])].sort();
  return keys.find((key) => !(key in a && key in b && canonicalJson(a[key]) === canonicalJson(b[key])));
}

/** The database record with the same labels (or type) most like the file's record. */
async function closestInDatabase(
  driver: Driver,
  database: string | undefined,
  missing: MissingRecord,
): Promise<Record<string, EncodedValue> | undefined> {
  let best: Record<string, EncodedValue> | undefined;
  let bestScore = -1;
  const consider = (properties: Record<string, unknown>) => {
    const encoded = encodeProperties(properties);
    const score = likeness(missing.properties, encoded);
    if (score > bestScore) [best, bestScore] = [encoded, score];
  };
  const labelsKey = JSON.stringify(missing.labels);
  await readWholeGraph(driver, {
    database,
    onNode: (n) => {
      if (missing.kind === "node" && JSON.stringify([...n.labels].sort()) === labelsKey)
        consider(n.properties);
    },
    onRelationship: (r) => {
      if (missing.kind === "relationship" && r.type === missing.type) consider(r.properties);
    },
  });
  return best;
}

function describeRecord(missing: MissingRecord): string {
  const line = missing.location.line === undefined ? "" : `line ${missing.location.line}, `;
  const what =
    missing.kind === "node"
      ? `node with labels ${JSON.stringify(missing.labels)}`
      : `relationship of type ${JSON.stringify(missing.type)}`;
  return `${what}, _id ${JSON.stringify(missing.id)} (${line}${missing.location.path})`;
}

/** The difference in words and as data, for a file record the database does not hold. */
function backupSideDifference(
  missing: MissingRecord,
  closest: Record<string, EncodedValue> | undefined,
): RecordDifference {
  const base = {
    kind: missing.kind,
    side: "backup" as const,
    location: missing.location,
    id: missing.id,
    ...(missing.kind === "node" ? { labels: missing.labels } : { type: missing.type }),
  };
  const record = describeRecord(missing);
  if (!closest) {
    const none = missing.kind === "node" ? "no node with these labels" : "no relationship of this type";
    return { ...base, description: `first differing record: ${record}: the database holds ${none}` };
  }
  const property = firstDifferentProperty(missing.properties, closest);
  if (property === undefined) {
    return {
      ...base,
      description: `first differing record: ${record}: the database holds it with the same properties but between other nodes`,
    };
  }
  const backupValue = missing.properties[property] ?? null;
  const databaseValue = closest[property] ?? null;
  const shown = (v: EncodedValue | null) => (v === null ? "absent" : canonicalJson(v));
  return {
    ...base,
    property,
    backupValue,
    databaseValue,
    description: `first differing record: ${record}: property ${JSON.stringify(property)} is ${shown(backupValue)} in the backup and ${shown(databaseValue)} in the database`,
  };
}

/** The first database record whose hash is left over after the file took its own. */
async function firstOnlyInDatabase(
  driver: Driver,
  database: string | undefined,
  left: DatabaseHashes,
): Promise<RecordDifference | undefined> {
  let found: RecordDifference | undefined;
  const nodeById = new NodeIdMap();
  await readWholeGraph(driver, {
    database,
    onNode: (n) => {
      const labels = [...n.labels].sort();
      const encoded = encodeProperties(n.properties);
      const h = nodeHash(labels, encoded);
      nodeById.set(n.id, h);
      if (!found && take(left.nodes, h)) {
        const description = `first differing record: the database holds a node with labels ${JSON.stringify(labels)} and properties ${canonicalJson(encoded)} (id ${n.id}) that the backup does not`;
        found = { kind: "node", side: "database", id: n.id, labels, description };
      }
    },
    onRelationship: (r) => {
      if (found) return;
      const encoded = encodeProperties(r.properties);
      const h = relationshipHash(r.type, nodeById.get(r.start), nodeById.get(r.end), encoded);
      if (take(left.relationships, h)) {
        const description = `first differing record: the database holds a relationship of type ${JSON.stringify(r.type)} with properties ${canonicalJson(encoded)} (id ${r.id}) that the backup does not`;
        found = { kind: "relationship", side: "database", id: r.id, type: r.type, description };
      }
    },
  });
  return found;
}

/**
 * Finds the first record that differs between the backup `name` and the database: a record of the
 * file the database lacks (with the first differing property), else a database record the file
 * lacks. Undefined when every record matches.
 */
export async function locateDifference(
  driver: Driver,
  database: string | undefined,
  storage: BackupStorage,
  name: string,
  read: ReadOptions = {},
  decryption?: ReadKeys,
): Promise<RecordDifference | undefined> {
  const db = await hashDatabase(driver, database);
  const missing = await firstMissingInDatabase(storage, name, read, db, decryption);
  if (missing) return backupSideDifference(missing, await closestInDatabase(driver, database, missing));
  if (db.nodes.size === 0 && db.relationships.size === 0) return undefined;
  return firstOnlyInDatabase(driver, database, db);
}
