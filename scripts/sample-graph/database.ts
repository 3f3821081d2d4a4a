/**
 * Writing the sample graph to Neo4j, counting what a database holds, and emptying it.
 */
import { type Driver, type Integer, int, type Session, session as sessionModes } from "neo4j-driver";
import { escapeName, labelsFragment } from "./cypher-names.js";
import { expectedCounts, sampleNodeBatches, sampleRelationshipBatches } from "./generator.js";
import type { GraphCounts, SampleGraphOptions } from "./model.js";

/** Progress of {@link loadSampleGraph}, reported after every committed transaction. */
export interface LoadProgress {
  phase: "nodes" | "relationships";
  /** Elements of this phase written so far. */
  done: number;
  /** Elements this phase will write. */
  total: number;
  /** Milliseconds since the load started. */
  ms: number;
}

/** Options of {@link loadSampleGraph}: the graph's options plus where and how to write it. */
export interface LoadSampleGraphOptions extends SampleGraphOptions {
  /** Target database (default: the server's default database). */
  database?: string;
  /** Nodes or relationships per write transaction (default 10 000). */
  batchSize?: number;
  /** Called after every committed transaction. */
  onProgress?: (progress: LoadProgress) => void;
}

/** What {@link loadSampleGraph} wrote (counted from the batches, confirmed by the server's counters). */
export interface LoadResult extends GraphCounts {
  /** Wall-clock duration of the load in milliseconds. */
  ms: number;
}

/** Server facts the sample graph depends on. */
export interface ServerCapabilities {
  /** VECTOR property values can be stored (and travel over this driver's Bolt connection). */
  vector: boolean;
  /** Server version, e.g. "5.26.12" or "2025.10.1". */
  version: string;
  /** "community" or "enterprise". */
  edition: string;
}

const DEFAULT_BATCH_SIZE = 10_000;

function writeSession(driver: Driver, database: string | undefined): Session {
  return driver.session({ database, defaultAccessMode: sessionModes.WRITE });
}

/**
 * Creates one node per row and returns the node keys with their internal ids as two parallel lists in ONE
 * record: a record per node would cost a PULL round trip per 1000 nodes (the driver's fetch size), which
 * made loading about 1.5x slower.
 */
function nodeQuery(labels: readonly string[]): string {
  return (
    `UNWIND $rows AS row CREATE (n${labelsFragment(labels)}) SET n = row.p ` +
    "RETURN collect(row.k) AS keys, collect(id(n)) AS ids"
  );
}

function relationshipQuery(type: string): string {
  return (
    "UNWIND $rows AS row MATCH (a) WHERE id(a) = row.s MATCH (b) WHERE id(b) = row.e " +
    `CREATE (a)-[r:${escapeName(type)}]->(b) SET r = row.p`
  );
}

function tally(counts: Record<string, number>, name: string, n: number): void {
  counts[name] = (counts[name] ?? 0) + n;
}

/**
 * Groups consecutive batches into transactions of at most `batchSize` elements (a batch never splits), so
 * the short batches at kind boundaries and of the special content share commits.
 */
function* transactions<T>(batches: Iterable<T[]>, batchSize: number): Generator<T[][]> {
  let group: T[][] = [];
  let size = 0;
  for (const batch of batches) {
    if (size > 0 && size + batch.length > batchSize) {
      yield group;
      group = [];
      size = 0;
    }
    group.push(batch);
    size += batch.length;
  }
  if (group.length > 0) yield group;
}

/**
 * Runs `write` for every item, preparing the next item while the previous write is in flight (the generator
 * is synchronous, so that overlap is the only parallelism worth having; transactions stay sequential because
 * concurrent writers would contend for locks on the hub nodes).
 */
async function pipeline<T, P>(
  items: Iterable<T>,
  prepare: (item: T) => P,
  write: (prepared: P) => Promise<void>,
): Promise<void> {
  let inFlight: Promise<void> = Promise.resolve();
  try {
    for (const item of items) {
      const prepared = prepare(item);
      await inFlight;
      inFlight = write(prepared);
    }
  } finally {
    // Never leave a write running (or its rejection unhandled), even when preparing the next one failed.
    await inFlight;
  }
}

/**
 * A query text cache: one escaped query per relationship type, or per label-set array (by identity: the
 * generator reuses one array per label set, and a miss only costs building the text again).
 */
function cached<K>(build: (key: K) => string): (key: K) => string {
  const queries = new Map<K, string>();
  return (key) => {
    let query = queries.get(key);
    if (query === undefined) {
      query = build(key);
      queries.set(key, query);
    }
    return query;
  };
}

/**
 * Writes the sample graph the options describe into a database, which should be empty (nothing is merged).
 *
 * Batches become `UNWIND $rows AS row CREATE …` statements, up to `batchSize` elements per managed write
 * transaction; values travel as parameters, names are escaped. Created nodes' internal ids are kept in a
 * `Float64Array` indexed by node key (8 bytes per node) so relationships find their endpoints by id seek;
 * nothing else outlives a transaction, and no helper label, property or index is created.
 */
export async function loadSampleGraph(driver: Driver, options: LoadSampleGraphOptions): Promise<LoadResult> {
  const { database, batchSize = DEFAULT_BATCH_SIZE, onProgress } = options;
  const started = performance.now();
  const expected = expectedCounts(options);
  const ids = new Float64Array(expected.nodes).fill(Number.NaN);
  const result: LoadResult = { nodes: 0, relationships: 0, labels: {}, types: {}, ms: 0 };
  const progress = (phase: LoadProgress["phase"], done: number, total: number) =>
    onProgress?.({ phase, done, total, ms: performance.now() - started });
  const nodeId = (key: number) => {
    const id = ids[key];
    // int(NaN) would be 0, silently another node: fail loudly instead.
    if (id === undefined || Number.isNaN(id)) throw new Error(`loadSampleGraph: node ${key} was not created`);
    return int(id);
  };
  const nodeQueryFor = cached(nodeQuery);
  const relationshipQueryFor = cached(relationshipQuery);
  const session = writeSession(driver, database);
  try {
    await pipeline(
      transactions(sampleNodeBatches(options, batchSize), batchSize),
      (group) =>
        group.map((batch) => ({
          labels: batch[0]!.labels,
          rows: batch.map((node) => ({ k: node.key, p: node.properties })),
        })),
      async (statements) => {
        await session.executeWrite(async (tx) => {
          for (const { labels, rows } of statements) {
            const { records } = await tx.run(nodeQueryFor(labels), { rows });
            const keys: number[] = records[0]!.get("keys");
            const created: Integer[] = records[0]!.get("ids");
            if (created.length !== rows.length) {
              throw new Error(
                `loadSampleGraph: created ${created.length} of ${rows.length} nodes :${labels}`,
              );
            }
            keys.forEach((key, i) => {
              ids[key] = created[i]!.toNumber();
            });
          }
        });
        for (const { labels, rows } of statements) {
          result.nodes += rows.length;
          for (const label of labels) tally(result.labels, label, rows.length);
        }
        progress("nodes", result.nodes, expected.nodes);
      },
    );
    await pipeline(
      transactions(sampleRelationshipBatches(options, batchSize), batchSize),
      (group) =>
        group.map((batch) => ({
          type: batch[0]!.type,
          rows: batch.map((r) => ({ s: nodeId(r.start), e: nodeId(r.end), p: r.properties })),
        })),
      async (statements) => {
        await session.executeWrite(async (tx) => {
          for (const { type, rows } of statements) {
            const { summary } = await tx.run(relationshipQueryFor(type), { rows });
            const created = summary.counters.updates().relationshipsCreated;
            if (created !== rows.length) {
              throw new Error(`loadSampleGraph: created ${created} of ${rows.length} relationships :${type}`);
            }
          }
        });
        for (const { type, rows } of statements) {
          result.relationships += rows.length;
          tally(result.types, type, rows.length);
        }
        progress("relationships", result.relationships, expected.relationships);
      },
    );
  } finally {
    await session.close();
  }
  result.ms = performance.now() - started;
  return result;
}

/**
 * Empties a database: deletes all relationships, then all nodes, in batches of 10 000 (`CALL … IN
 * TRANSACTIONS`, which needs an auto-commit transaction), then drops every constraint and every index except
 * the token lookup indexes, and recreates a missing token lookup index, as a fresh database has both.
 */
export async function clearDatabase(driver: Driver, database?: string): Promise<void> {
  const session = writeSession(driver, database);
  try {
    await session.run("MATCH ()-[r]->() CALL (r) { DELETE r } IN TRANSACTIONS OF 10000 ROWS");
    await session.run("MATCH (n) CALL (n) { DELETE n } IN TRANSACTIONS OF 10000 ROWS");
    const constraints = await session.run("SHOW CONSTRAINTS YIELD name RETURN name");
    for (const record of constraints.records) {
      await session.run(`DROP CONSTRAINT ${escapeName(record.get("name"))} IF EXISTS`);
    }
    const indexes = await session.run("SHOW INDEXES YIELD name, type WHERE type <> 'LOOKUP' RETURN name");
    for (const record of indexes.records) {
      await session.run(`DROP INDEX ${escapeName(record.get("name"))} IF EXISTS`);
    }
    // a fresh database has both token lookup indexes; put back any that a restore or test dropped
    const lookups = await session.run(
      "SHOW INDEXES YIELD type, entityType WHERE type = 'LOOKUP' RETURN collect(entityType) AS e",
    );
    const present: string[] = lookups.records[0]!.get("e");
    if (!present.includes("NODE")) await session.run("CREATE LOOKUP INDEX FOR (n) ON EACH labels(n)");
    if (!present.includes("RELATIONSHIP"))
      await session.run("CREATE LOOKUP INDEX FOR ()-[r]-() ON EACH type(r)");
  } finally {
    await session.close();
  }
}

/**
 * Counts what a database holds, in the shape of {@link expectedCounts}: totals, and per label and per type
 * from the count store (one cheap query per label and type).
 */
export async function countsByLabelAndType(driver: Driver, database?: string): Promise<GraphCounts> {
  const session = driver.session({ database, defaultAccessMode: sessionModes.READ });
  try {
    return await session.executeRead(async (tx) => {
      const count = async (query: string): Promise<number> =>
        (await tx.run(query)).records[0]!.get(0).toNumber() as number;
      const counts: GraphCounts = {
        nodes: await count("MATCH (n) RETURN count(n)"),
        relationships: await count("MATCH ()-[r]->() RETURN count(r)"),
        labels: {},
        types: {},
      };
      for (const record of (await tx.run("CALL db.labels() YIELD label RETURN label")).records) {
        const label: string = record.get("label");
        const n = await count(`MATCH (n:${escapeName(label)}) RETURN count(n)`);
        if (n > 0) counts.labels[label] = n;
      }
      const types = await tx.run(
        "CALL db.relationshipTypes() YIELD relationshipType RETURN relationshipType",
      );
      for (const record of types.records) {
        const type: string = record.get("relationshipType");
        const n = await count(`MATCH ()-[r:${escapeName(type)}]->() RETURN count(r)`);
        if (n > 0) counts.types[type] = n;
      }
      return counts;
    });
  } finally {
    await session.close();
  }
}

/**
 * Asks the server for its version and edition and whether VECTOR properties can be stored.
 *
 * Vectors need Bolt 6+ between driver and server (Neo4j 2025.08 and later) and a database in block store
 * format: the aligned/standard record formats, the only ones Community Edition has, reject them with
 * `Neo.ClientError.Data.DataUnsupportedByStoreFormat`. Nothing is written: a rolled-back probe write would
 * still leave its property-key token behind.
 */
export async function detectCapabilities(driver: Driver, database?: string): Promise<ServerCapabilities> {
  const session = driver.session({ database, defaultAccessMode: sessionModes.READ });
  try {
    const components = await session.run(
      "CALL dbms.components() YIELD name, versions, edition WHERE name = 'Neo4j Kernel' " +
        "RETURN versions[0] AS version, edition",
    );
    const version: string = components.records[0]?.get("version") ?? "unknown";
    const edition: string = components.records[0]?.get("edition") ?? "unknown";
    const protocol = await driver.getNegotiatedProtocolVersion();
    let vector = false;
    if (protocol.getMajor() >= 6) {
      const databases = await session.run(
        "SHOW DATABASES YIELD name, store, home WHERE coalesce(name = $database, home) RETURN store",
        { database: database ?? null },
      );
      const store: unknown = databases.records[0]?.get("store");
      vector = typeof store === "string" && store.startsWith("block");
    }
    return { vector, version, edition };
  } finally {
    await session.close();
  }
}
