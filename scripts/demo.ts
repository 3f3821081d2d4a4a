/**
 * `npm run demo`: the main job on an embedded default.
 *
 * Starts a local Neo4j 5.26 Community server from Maven Central jars (or uses NEO4J_URI), loads the
 * deterministic sample graph, prints what the database holds, backs it up into `.demo/fullbackup`,
 * validates the file and prints its metadata, wipes the database, restores the backup and verifies
 * that the database equals the backup. The server it started is stopped at the end.
 *
 * Options (environment): DEMO_NODES (default 10000), NEO4J_URI / NEO4J_USERNAME / NEO4J_PASSWORD.
 */
import neo4j from "neo4j-driver";
import { createBackup, FileSystemStorage, restoreBackup, validateBackup } from "../src/index.js";
import { startNeo4j } from "./neo4j/server.mjs";
import {
  clearDatabase,
  countsByLabelAndType,
  detectCapabilities,
  loadSampleGraph,
} from "./sample-graph/index.js";

const fmt = (n: number) => n.toLocaleString("en-US");

async function main(): Promise<void> {
  const nodes = Number(process.env.DEMO_NODES ?? 10_000);
  let stop: (() => Promise<void>) | undefined;
  let uri = process.env.NEO4J_URI;
  let username = process.env.NEO4J_USERNAME ?? "neo4j";
  let password = process.env.NEO4J_PASSWORD ?? "";
  if (!uri) {
    console.log("1. Starting a local Neo4j 5.26 Community server (authentication on)…");
    const server = await startNeo4j({ line: "5.26" });
    ({ uri, username, password } = server);
    stop = () => server.stop();
    console.log(`   Neo4j ${server.version} at ${uri}`);
  } else {
    console.log(`1. Using the server at ${uri}`);
  }
  const driver = neo4j.driver(uri!, neo4j.auth.basic(username, password));
  try {
    const capabilities = await detectCapabilities(driver);
    console.log(
      `2. Loading the sample graph (${fmt(nodes)} domain nodes, seed 42) into an emptied database…`,
    );
    await clearDatabase(driver);
    const loaded = await loadSampleGraph(driver, { nodes, capabilities });
    console.log(
      `   ${fmt(loaded.nodes)} nodes and ${fmt(loaded.relationships)} relationships in ${fmt(loaded.ms)} ms`,
    );
    const counts = await countsByLabelAndType(driver);
    console.log("   Nodes per label:");
    for (const [label, n] of Object.entries(counts.labels))
      console.log(`     ${label.padEnd(28)} ${fmt(n).padStart(9)}`);
    console.log("   Relationships per type:");
    for (const [type, n] of Object.entries(counts.types))
      console.log(`     ${type.padEnd(28)} ${fmt(n).padStart(9)}`);

    console.log("3. Backing up…");
    const storage = new FileSystemStorage({ directory: ".demo/fullbackup" });
    const result = await createBackup({ driver, storage, reason: "Demo backup", source: "npm run demo" });
    console.log(
      `   ${result.name}: ${fmt(result.nodeCount)} nodes, ${fmt(result.relationshipCount)} relationships, ${fmt(result.bytes)} bytes in ${fmt(result.durationMs)} ms`,
    );
    console.log(`   in ${result.location}`);

    console.log("4. Validating the file…");
    const report = await validateBackup({ storage, name: result.name });
    console.log(`   ${report.valid ? "valid" : "INVALID"}; checksum ${report.checksum}`);
    const { schema, ...metadata } = result.metadata;
    console.log("   Metadata:");
    console.log(
      JSON.stringify(
        { ...metadata, schema: { indexes: schema.indexes.length, constraints: schema.constraints.length } },
        null,
        2,
      )
        .split("\n")
        .map((l) => `     ${l}`)
        .join("\n"),
    );
    if (!report.valid) {
      process.exitCode = 1;
      return;
    }

    console.log("5. Wiping the database…");
    await clearDatabase(driver);
    const wiped = await countsByLabelAndType(driver);
    console.log(`   ${fmt(wiped.nodes)} nodes, ${fmt(wiped.relationships)} relationships left`);

    console.log("6. Restoring the backup and verifying it…");
    const restored = await restoreBackup({ driver, storage, name: result.name });
    console.log(
      `   ${fmt(restored.nodeCount)} nodes, ${fmt(restored.relationshipCount)} relationships, ${restored.schemaObjects} indexes/constraints in ${fmt(restored.durationMs)} ms`,
    );
    const v = restored.verification!;
    console.log(
      `   verification: ${v.equal ? "EQUAL" : "DIFFERENT"} (fingerprint ${v.database.total}, backup ${v.backup.total})`,
    );
    for (const d of v.differences) console.log(`     - ${d}`);
    if (!v.equal) process.exitCode = 1;
  } finally {
    await driver.close();
    if (stop) {
      console.log("7. Stopping the server.");
      await stop();
    }
  }
}

main().catch((error) => {
  console.error(`demo failed: ${error instanceof Error ? error.message : String(error)}`);
  process.exitCode = 1;
});
