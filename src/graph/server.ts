/**
 * Facts about the server and database being backed up, and the change marker used to tell whether
 * the database changed while the backup ran.
 */
import neo4j, { type Driver, type Session } from "neo4j-driver";
import { BackupError, classifyDriverError } from "../errors.js";
import type { DatabaseIdentity } from "../format/identity.js";
import { toSafeNumber } from "../format/values.js";

/** Node and relationship counts, from the count store (fast at any size). */
const COUNT_QUERY =
  "CALL { MATCH (n) RETURN count(n) AS nodes } CALL { MATCH ()-[r]->() RETURN count(r) AS relationships } RETURN nodes, relationships";

/** Version and edition of the server, and the database a session talks to. */
export interface ServerInfo {
  version: string;
  edition: string;
  database: string;
  /**
   * Which database on which server this is; null when the server did not say (`db.info()`
   * refused): then nothing automatic treats it as the database of any backup or restore record.
   */
  identity: DatabaseIdentity | null;
}

/**
 * Reads the server version/edition through `dbms.components()`, the session's database name and
 * the database's identity (`db.info()`'s id and creation date, the address the driver reached).
 */
export async function readSessionServerInfo(session: Session): Promise<ServerInfo> {
  const result = await session.run(
    "CALL dbms.components() YIELD name, versions, edition WHERE name = 'Neo4j Kernel' RETURN versions[0] AS version, edition",
  );
  const record = result.records[0];
  const database = result.summary.database.name ?? "neo4j";
  return {
    version: record ? String(record.get("version")) : "unknown",
    edition: record ? String(record.get("edition")) : "unknown",
    database,
    identity: await readIdentity(session, database),
  };
}

/** `db.info()` of the session's database; null when the procedure is not allowed or not there. */
async function readIdentity(session: Session, database: string): Promise<DatabaseIdentity | null> {
  let result: Awaited<ReturnType<Session["run"]>>;
  try {
    result = await session.run("CALL db.info() YIELD id, creationDate RETURN id, creationDate");
  } catch (error) {
    const code = (error as { code?: unknown }).code;
    // a procedure this user may not call (or an older server without it): no identity, nothing else
    if (typeof code === "string" && code.startsWith("Neo.ClientError.")) return null;
    throw error;
  }
  const record = result.records[0];
  const id = record?.get("id");
  if (typeof id !== "string" || id === "") return null;
  const created = record!.get("creationDate");
  return {
    id,
    created: typeof created === "string" ? created : created == null ? null : String(created),
    name: database,
    address: result.summary.server.address ?? "unknown",
  };
}

/**
 * The name of `database` (the home database when not given) and which database on which server it
 * is: `db.info()`'s id and creation date and the address the driver reached (`identity` is null
 * when the server does not say). Two servers' databases of the same name have different ids.
 */
export async function readDatabaseIdentity(
  driver: Driver,
  database?: string,
): Promise<{ database: string; identity: DatabaseIdentity | null }> {
  const info = await readServerInfo(driver, database);
  return { database: info.database, identity: info.identity };
}

/** A value that changes whenever a write is committed, plus the counts at that moment. */
export interface ChangeMarker {
  /** Compare two markers with `===`. */
  marker: string;
  /** How the marker was obtained: the bookmark of a read transaction, or (fallback) the counts. */
  detection: "bookmark" | "counts";
  nodes: number;
  relationships: number;
}

/**
 * Reads the node and relationship counts in a read transaction and takes the bookmark the server
 * returns for it. A read transaction's bookmark names the last transaction committed to the
 * database, so two equal bookmarks mean nothing was committed in between — on Community and
 * Enterprise alike. When the server returns no bookmark, the counts alone serve as the marker.
 */
export async function readChangeMarker(driver: Driver, database: string): Promise<ChangeMarker> {
  const session = driver.session({ database, defaultAccessMode: "READ" });
  try {
    const { nodes, relationships } = await session.executeRead(async (tx) => {
      const result = await tx.run(COUNT_QUERY);
      const record = result.records[0]!;
      return {
        nodes: toSafeNumber(record.get("nodes")),
        relationships: toSafeNumber(record.get("relationships")),
      };
    });
    const bookmarks = session.lastBookmarks();
    if (bookmarks.length > 0) {
      return {
        marker: `bookmark:${[...bookmarks].sort().join(",")}`,
        detection: "bookmark",
        nodes,
        relationships,
      };
    }
    return { marker: `counts:${nodes}:${relationships}`, detection: "counts", nodes, relationships };
  } finally {
    await session.close();
  }
}

/** Counts the nodes and relationships of a database (from the count store: fast at any size). */
export async function countGraph(
  driver: Driver,
  database: string | undefined,
): Promise<{ nodes: number; relationships: number }> {
  const { records } = await driver.executeQuery(COUNT_QUERY, {}, { database, routing: neo4j.routing.READ });
  return {
    nodes: toSafeNumber(records[0]!.get("nodes")),
    relationships: toSafeNumber(records[0]!.get("relationships")),
  };
}

/** The database a call will use: `database`, or the user's home database when it is not given. */
export async function resolveDatabase(driver: Driver, database: string | undefined): Promise<string> {
  if (database) return database;
  const session = driver.session({ defaultAccessMode: neo4j.session.READ });
  try {
    return (await readSessionServerInfo(session)).database;
  } catch (error) {
    // CONNECTION / AUTHENTICATION like every other call that reads the server
    throw classifyDriverError(error, "reading the home database");
  } finally {
    await session.close();
  }
}

/** Version and edition of the server, and the name of `database` (the home database when not given). */
export async function readServerInfo(driver: Driver, database: string | undefined): Promise<ServerInfo> {
  const session = driver.session({ database, defaultAccessMode: "READ" });
  try {
    return await readSessionServerInfo(session);
  } finally {
    await session.close();
  }
}

/** Refuses drivers configured to turn integers into JS numbers: those lose Integer vs Float. */
export function assertLosslessDriver(driver: Driver): void {
  const config = (driver as unknown as { _config?: { disableLosslessIntegers?: boolean } })._config;
  if (config?.disableLosslessIntegers) {
    throw new BackupError(
      "DRIVER_CONFIG",
      "the driver was created with disableLosslessIntegers, which cannot tell Integer from Float; create it without that option (useBigInt is fine)",
    );
  }
}

/**
 * Whether the target can store VECTOR values and this connection can carry them: Bolt 6 or newer,
 * and a database in the block store format (other formats refuse vector properties). Writes nothing.
 */
export async function targetSupportsVectors(driver: Driver, database: string): Promise<boolean> {
  try {
    const protocol = await driver.getNegotiatedProtocolVersion();
    if (protocol.getMajor() < 6) return false;
    const { records } = await driver.executeQuery(
      "SHOW DATABASES YIELD name, store WHERE name = $database RETURN store",
      { database },
      { database: "system", routing: neo4j.routing.READ },
    );
    const store = records[0]?.get("store");
    return typeof store === "string" && store.startsWith("block");
  } catch {
    return false;
  }
}
