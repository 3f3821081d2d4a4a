/** Emptying a target database: data in server-side batches. */
import type { Driver } from "neo4j-driver";

/** Deletes all relationships and nodes in server-side batches. */
export async function clearData(driver: Driver, database: string | undefined): Promise<void> {
  const session = driver.session({ database, defaultAccessMode: "WRITE" });
  try {
    await session.run("MATCH ()-[r]->() CALL (r) { DELETE r } IN TRANSACTIONS OF 10000 ROWS");
    await session.run("MATCH (n) CALL (n) { DELETE n } IN TRANSACTIONS OF 10000 ROWS");
  } finally {
    await session.close();
  }
}
