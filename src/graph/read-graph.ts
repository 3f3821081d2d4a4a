/**
 * Reading a whole graph in one read transaction with backpressure: the schema, every node, then
 * every relationship. Shared by createBackup (which writes the file) and the database fingerprint
 * (which verifies a restore). Values come as the driver decodes them; the caller encodes them.
 */
import neo4j, {
  type Driver,
  type Record as Neo4jRecord,
  type Result,
  type Session,
  type Transaction,
} from "neo4j-driver";
import { throwIfAborted } from "../errors.js";
import type { ConstraintDefinition, IndexDefinition } from "../format/schema.js";
import { toSafeNumber } from "../format/values.js";
import { exportSchema } from "./schema-read.js";
import { readSessionServerInfo, type ServerInfo } from "./server.js";

/** A node as read from the database. */
export interface NodeRow {
  id: number;
  labels: string[];
  /** The driver's values, not yet encoded. */
  properties: Record<string, unknown>;
}

/** A relationship as read from the database. */
export interface RelationshipRow {
  id: number;
  type: string;
  start: number;
  end: number;
  /** The driver's values, not yet encoded. */
  properties: Record<string, unknown>;
}

/** Options of {@link GraphReader.open}. */
export interface GraphReaderOptions {
  /** Default: the user's home database. */
  database?: string;
  /** Records fetched per round trip; default 2000. */
  fetchSize?: number;
  /** Closes the transaction when aborted, so that a running read ends at once. */
  signal?: AbortSignal;
}

type Visit<T> = (row: T) => void | Promise<void>;

const NODE_RETURN = "RETURN id(n) AS id, labels(n) AS labels, properties(n) AS props";
const RELATIONSHIP_RETURN =
  "RETURN id(r) AS id, type(r) AS type, id(a) AS start, id(b) AS end, properties(r) AS props";

const nodeRow = (record: Neo4jRecord): NodeRow => ({
  id: toSafeNumber(record.get(0)),
  labels: record.get(1) as string[],
  properties: record.get(2) as Record<string, unknown>,
});

const relationshipRow = (record: Neo4jRecord): RelationshipRow => ({
  id: toSafeNumber(record.get(0)),
  type: record.get(1) as string,
  start: toSafeNumber(record.get(2)),
  end: toSafeNumber(record.get(3)),
  properties: record.get(4) as Record<string, unknown>,
});

const rangeParameters = (first: number, last: number) => ({ first: neo4j.int(first), last: neo4j.int(last) });

/** Hands every record of `result` to `visit` as a row, waiting for it when it returns a promise. */
async function stream<T>(result: Result, row: (record: Neo4jRecord) => T, visit: Visit<T>): Promise<void> {
  for await (const record of result) {
    const pending = visit(row(record));
    if (pending) await pending;
  }
}

/** One read transaction over a database; {@link GraphReader.close} it in every case. */
export class GraphReader {
  private tx: Transaction | undefined;

  private constructor(
    private readonly session: Session,
    /** The server and the database the session talks to. */
    readonly server: ServerInfo,
    private readonly signal: AbortSignal | undefined,
  ) {
    signal?.addEventListener("abort", this.abortTx, { once: true });
  }

  /** Opens a session and reads the server facts; {@link begin} starts the read transaction. */
  static async open(driver: Driver, options: GraphReaderOptions = {}): Promise<GraphReader> {
    const session = driver.session({
      database: options.database,
      defaultAccessMode: "READ",
      fetchSize: options.fetchSize ?? 2000,
    });
    try {
      return new GraphReader(session, await readSessionServerInfo(session), options.signal);
    } catch (error) {
      await session.close().catch(() => {});
      throw error;
    }
  }

  /** Begins the read transaction that schema, nodes and relationships are read in. */
  async begin(): Promise<void> {
    this.tx = await this.session.beginTransaction();
  }

  /** The rollback an abort started; {@link close} waits for it before the session is released. */
  private aborting: Promise<void> | undefined;

  private readonly abortTx = () => {
    this.aborting = this.tx?.close().catch(() => {});
  };

  /** The open transaction, for a new query; none is started once the read was aborted. */
  private get open(): Transaction {
    if (this.signal?.aborted) throwIfAborted(this.signal, "reading the graph");
    if (!this.tx) throw new Error("the read transaction is no longer open");
    return this.tx;
  }

  /** The indexes and constraints, as stored in a backup's metadata. */
  schema(): Promise<{ indexes: IndexDefinition[]; constraints: ConstraintDefinition[] }> {
    return exportSchema(this.open);
  }

  /** Streams every node to `visit`, waiting for it when it returns a promise. */
  readNodes(visit: Visit<NodeRow>): Promise<void> {
    return stream(this.open.run(`MATCH (n) ${NODE_RETURN}`), nodeRow, visit);
  }

  /** Streams the nodes with ids from `first` to `last` (inclusive) to `visit`, in id order. */
  readNodeRange(first: number, last: number, visit: Visit<NodeRow>): Promise<void> {
    // NodeByIdSeek: each id looked up, no scan of the store
    const query = `MATCH (n) WHERE id(n) IN range($first, $last) ${NODE_RETURN}`;
    return stream(this.open.run(query, rangeParameters(first, last)), nodeRow, visit);
  }

  /** Streams every relationship to `visit`, waiting for it when it returns a promise. */
  readRelationships(visit: Visit<RelationshipRow>): Promise<void> {
    return stream(this.open.run(`MATCH (a)-[r]->(b) ${RELATIONSHIP_RETURN}`), relationshipRow, visit);
  }

  /** Streams the relationships with ids from `first` to `last` (inclusive) to `visit`, in id order. */
  readRelationshipRange(first: number, last: number, visit: Visit<RelationshipRow>): Promise<void> {
    // DirectedRelationshipByIdSeek
    const query = `MATCH (a)-[r]->(b) WHERE id(r) IN range($first, $last) ${RELATIONSHIP_RETURN}`;
    return stream(this.open.run(query, rangeParameters(first, last)), relationshipRow, visit);
  }

  /** The highest node and relationship ids (-1 when there are none): what id ranges must cover. */
  async highestIds(): Promise<{ node: number; relationship: number }> {
    const result = await this.open.run(
      "CALL { MATCH (n) RETURN max(id(n)) AS node } CALL { MATCH ()-[r]->() RETURN max(id(r)) AS relationship } RETURN node, relationship",
    );
    const record = result.records[0];
    const id = (value: unknown) =>
      value === null || value === undefined ? -1 : toSafeNumber(value as number | bigint);
    return { node: id(record?.get("node")), relationship: id(record?.get("relationship")) };
  }

  /** Commits the read transaction (reads end cleanly); the session stays until {@link close}. */
  async commit(): Promise<void> {
    const tx = this.open;
    this.tx = undefined;
    this.signal?.removeEventListener("abort", this.abortTx);
    await tx.commit();
  }

  /** Closes the transaction (if still open) and the session; never throws. */
  async close(): Promise<void> {
    this.signal?.removeEventListener("abort", this.abortTx);
    const tx = this.tx;
    this.tx = undefined;
    // a rollback an abort started finishes before the session hands its connection back
    if (this.aborting) await this.aborting;
    if (tx) await tx.close().catch(() => {});
    await this.session.close().catch(() => {});
  }
}

/** Reads a whole database once (see {@link GraphReader}) and closes it. */
export async function readWholeGraph(
  driver: Driver,
  options: GraphReaderOptions & { onNode: Visit<NodeRow>; onRelationship: Visit<RelationshipRow> },
): Promise<void> {
  const reader = await GraphReader.open(driver, options);
  try {
    await reader.begin();
    await reader.readNodes(options.onNode);
    await reader.readRelationships(options.onRelationship);
    await reader.commit();
  } finally {
    await reader.close();
  }
}
