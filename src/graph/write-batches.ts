/**
 * Batched writes of a restore: nodes created with `UNWIND … CREATE … RETURN id(n)`, relationships
 * connected by a direct id seek. No temporary label, property or index is written, so there is
 * nothing to clean up. Each batch is one managed write transaction.
 */
import type { Driver, ManagedTransaction } from "neo4j-driver";
import { toSafeNumber } from "../format/values.js";
import { escapeIdentifier, labelFragment } from "./names.js";

/** A relationship to create between two database node ids. */
export interface RelationshipWrite {
  /** Database id of the start node. */
  s: number;
  /** Database id of the end node. */
  e: number;
  /** Property values, decoded for the driver. */
  p: Record<string, unknown>;
}

async function inWriteTransaction<T>(
  driver: Driver,
  database: string | undefined,
  work: (tx: ManagedTransaction) => Promise<T>,
): Promise<T> {
  const session = driver.session({ database, defaultAccessMode: "WRITE" });
  try {
    return await session.executeWrite(work);
  } finally {
    await session.close();
  }
}

/**
 * Creates one node per property map, all with `labels`; returns the database id of each, in the
 * order given.
 */
export async function createNodes(
  driver: Driver,
  database: string | undefined,
  labels: readonly string[],
  properties: readonly Record<string, unknown>[],
): Promise<number[]> {
  const rows = properties.map((p, i) => ({ i, p }));
  const cypher = `UNWIND $rows AS row CREATE (n${labelFragment(labels)}) SET n = row.p RETURN row.i AS i, id(n) AS id`;
  const result = await inWriteTransaction(driver, database, (tx) => tx.run(cypher, { rows }));
  const ids = new Array<number>(rows.length);
  for (const record of result.records) ids[toSafeNumber(record.get(0))] = toSafeNumber(record.get(1));
  return ids;
}

/** Creates relationships of one type; returns how many were created. */
export async function createRelationships(
  driver: Driver,
  database: string | undefined,
  type: string,
  rows: readonly RelationshipWrite[],
): Promise<number> {
  const cypher = `UNWIND $rows AS row MATCH (a) WHERE id(a) = row.s MATCH (b) WHERE id(b) = row.e CREATE (a)-[r:${escapeIdentifier(type)}]->(b) SET r = row.p RETURN count(r) AS created`;
  const result = await inWriteTransaction(driver, database, (tx) => tx.run(cypher, { rows }));
  return toSafeNumber(result.records[0]!.get(0));
}
