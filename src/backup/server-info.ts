/**
 * Facts about the server and database being backed up, and the change marker used to tell whether
 * the database changed while the backup ran.
 */
import type { Driver, Session } from "neo4j-driver";
import { toBigInt } from "../format/values.js";

/** Version and edition of the server, and the database a session talks to. */
export interface ServerInfo {
  version: string;
  edition: string;
  database: string;
}

/** Reads the server version/edition through `dbms.components()` and the session's database name. */
export async function readServerInfo(session: Session): Promise<ServerInfo> {
  const result = await session.run(
    "CALL dbms.components() YIELD name, versions, edition WHERE name = 'Neo4j Kernel' RETURN versions[0] AS version, edition",
  );
  const record = result.records[0];
  return {
    version: record ? String(record.get("version")) : "unknown",
    edition: record ? String(record.get("edition")) : "unknown",
    database: result.summary.database.name ?? "neo4j",
  };
}

/** A value that changes whenever a write is committed, plus the counts at that moment. */
export interface ChangeMarker {
  /** Compare two markers with `===`. */
  marker: string;
  /** How the marker was obtained: the last committed transaction id, or (fallback) the counts. */
  detection: "transaction-id" | "counts";
  nodes: number;
  relationships: number;
}

/**
 * Reads the database's last committed transaction id (from `SHOW DATABASE … YIELD lastCommittedTxn`
 * on the system database) together with the node and relationship counts. When the transaction id
 * cannot be read (no privilege, older server), the counts alone serve as the marker.
 */
export async function readChangeMarker(driver: Driver, database: string): Promise<ChangeMarker> {
  const session = driver.session({ database, defaultAccessMode: "READ" });
  let nodes = 0;
  let relationships = 0;
  try {
    const result = await session.run(
      "CALL { MATCH (n) RETURN count(n) AS nodes } CALL { MATCH ()-[r]->() RETURN count(r) AS relationships } RETURN nodes, relationships",
    );
    nodes = Number(toBigInt(result.records[0]!.get("nodes")));
    relationships = Number(toBigInt(result.records[0]!.get("relationships")));
  } finally {
    await session.close();
  }
  const system = driver.session({ database: "system", defaultAccessMode: "READ" });
  try {
    const result = await system.run(
      "SHOW DATABASE $db YIELD name, lastCommittedTxn RETURN lastCommittedTxn",
      {
        db: database,
      },
    );
    const txn = result.records[0]?.get("lastCommittedTxn");
    if (txn !== null && txn !== undefined) {
      return { marker: `txn:${toBigInt(txn)}`, detection: "transaction-id", nodes, relationships };
    }
  } catch {
    // fall through to counts
  } finally {
    await system.close();
  }
  return { marker: `counts:${nodes}:${relationships}`, detection: "counts", nodes, relationships };
}
