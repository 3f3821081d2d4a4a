/**
 * Shared by the examples: a driver from the usual environment variables, and the backup folder.
 * NEO4J_URI (default bolt://localhost:7687), NEO4J_USERNAME (default neo4j), NEO4J_PASSWORD,
 * NEO4J_DATABASE, BACKUP_DIR (default neo4j/fullbackup).
 */

import { FileSystemStorage } from "neo4j-backup";
import neo4j, { type Driver } from "neo4j-driver";

export function connect(): Driver {
  const password = process.env.NEO4J_PASSWORD;
  if (!password) throw new Error("set NEO4J_PASSWORD (and NEO4J_URI, NEO4J_USERNAME)");
  return neo4j.driver(
    process.env.NEO4J_URI ?? "bolt://localhost:7687",
    neo4j.auth.basic(process.env.NEO4J_USERNAME ?? "neo4j", password),
  );
}

export const database = process.env.NEO4J_DATABASE || undefined;

export const storage = new FileSystemStorage({ directory: process.env.BACKUP_DIR ?? "neo4j/fullbackup" });
