/**
 * Measures how fast {@link loadSampleGraph} writes the sample graph into a real Neo4j.
 *
 *   npx tsx scripts/sample-graph/measure-load.ts [--nodes 100000] [--line 5.26|latest] [--batch-size 10000]
 *     [--relationships-per-node 3] [--special] [--heap 2g] [--page-cache 2g]
 *
 * With NEO4J_URI set (and NEO4J_USERNAME / NEO4J_PASSWORD) it uses that server and EMPTIES its database;
 * otherwise it starts a scratch server with scripts/neo4j/server.mjs and stops it afterwards.
 * Prints one JSON line: server, sizes, and nodes/s and relationships/s of each phase.
 */
import { parseArgs } from "node:util";
import neo4j from "neo4j-driver";
import { startNeo4j } from "../neo4j/server.mjs";
import { clearDatabase, detectCapabilities, type LoadProgress, loadSampleGraph } from "./index.js";

const { values } = parseArgs({
  options: {
    nodes: { type: "string", default: "100000" },
    line: { type: "string", default: "5.26" },
    "batch-size": { type: "string", default: "10000" },
    "relationships-per-node": { type: "string", default: "3" },
    special: { type: "boolean", default: false },
    heap: { type: "string", default: "2g" },
    "page-cache": { type: "string", default: "2g" },
  },
});

interface Server {
  uri: string;
  username: string;
  password: string;
  stop(): Promise<void>;
}

const server: Server = process.env.NEO4J_URI
  ? {
      uri: process.env.NEO4J_URI,
      username: process.env.NEO4J_USERNAME ?? "neo4j",
      password: process.env.NEO4J_PASSWORD ?? "",
      stop: async () => {},
    }
  : await startNeo4j({
      line: values.line as "5.26" | "latest",
      heap: values.heap,
      pageCache: values["page-cache"],
    });

const driver = neo4j.driver(server.uri, neo4j.auth.basic(server.username, server.password));
try {
  const capabilities = await detectCapabilities(driver);
  await clearDatabase(driver);
  let nodesDoneMs = 0;
  const result = await loadSampleGraph(driver, {
    nodes: Number(values.nodes),
    relationshipsPerNode: Number(values["relationships-per-node"]),
    special: values.special,
    capabilities,
    batchSize: Number(values["batch-size"]),
    onProgress: (progress: LoadProgress) => {
      if (progress.phase === "nodes") nodesDoneMs = progress.ms;
    },
  });
  const relationshipsMs = result.ms - nodesDoneMs;
  console.log(
    JSON.stringify({
      server: `${capabilities.version} ${capabilities.edition}`,
      nodes: result.nodes,
      relationships: result.relationships,
      batchSize: Number(values["batch-size"]),
      seconds: +(result.ms / 1000).toFixed(1),
      nodesPerSecond: Math.round(result.nodes / (nodesDoneMs / 1000)),
      relationshipsPerSecond: Math.round(result.relationships / (relationshipsMs / 1000)),
      clientHeapMB: Math.round(process.memoryUsage().heapUsed / 2 ** 20),
    }),
  );
  await clearDatabase(driver);
} finally {
  await driver.close();
  await server.stop();
}
