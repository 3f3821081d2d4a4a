/**
 * Which database on which server a backup came from, or a restore writes to. Two servers can each
 * hold a database named `neo4j`; what tells them apart is the id Neo4j gives a database when it is
 * created (`db.info()`), which a dropped and recreated database does not keep either. The name and
 * the address are for the people reading it.
 */

/** The identity of one database on one server. */
export interface DatabaseIdentity {
  /** `db.info()`'s id: set when the database is created, different for every database on every server. */
  id: string;
  /** `db.info()`'s creation date (ISO 8601), when the server gives one. */
  created: string | null;
  /** The database's name, as the driver sees it. */
  name: string;
  /** The server's address (`host:port`) as the driver saw it. */
  address: string;
}

/** The form a backup's metadata carries (`database_identity`; the name is in `database`). */
export interface MetadataIdentity {
  id: string;
  created: string | null;
  address: string;
}

/**
 * Whether two identities name the same database: the same id (and the same creation date when both
 * know one). Names and addresses are not compared: a server reached by another address, or a
 * database renamed, is still the same database. Unknown (`null`/`undefined`) never matches.
 */
export function sameDatabase(
  a: Pick<DatabaseIdentity, "id" | "created"> | null | undefined,
  b: Pick<DatabaseIdentity, "id" | "created"> | null | undefined,
): boolean {
  if (!a || !b) return false;
  if (a.id !== b.id) return false;
  return a.created === null || b.created === null || a.created === b.created;
}

/** The database in words: `database neo4j at 127.0.0.1:7687`. */
export function describeIdentity(identity: Pick<DatabaseIdentity, "name" | "address">): string {
  return `database ${identity.name} at ${identity.address}`;
}

/** The database in words with its id, for where two may share a name: `… (id 82042A71E746…)`. */
export function describeIdentityWithId(identity: DatabaseIdentity): string {
  return `${describeIdentity(identity)} (id ${shortId(identity.id)})`;
}

/** The first 12 characters of a database id: enough to tell databases apart in a sentence. */
export function shortId(id: string): string {
  return id.length > 12 ? `${id.slice(0, 12)}…` : id;
}

/** The identity a backup's metadata records, with its database name. */
export function identityFromMetadata(
  database: string | null | undefined,
  recorded: MetadataIdentity | null | undefined,
): DatabaseIdentity | null {
  if (!recorded || typeof recorded.id !== "string" || typeof database !== "string") return null;
  return { id: recorded.id, created: recorded.created ?? null, name: database, address: recorded.address };
}
