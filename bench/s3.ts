/**
 * `npm run bench:s3`: backup and restore with the storage in S3 against the same in a local folder,
 * in one run. It starts a local Neo4j 5.26 and the S3 test server (versitygw, scripts/s3/server.mjs),
 * loads the sample graph (default 100k domain nodes), then alternates RUNS times: createBackup into
 * a fresh folder and into a fresh bucket prefix; then, of one backup put in both places (copyBackup),
 * restoreBackup into an empty database from the folder and from the bucket. Each run is a fresh
 * process, so its peak RSS is its own. Prints a table for docs/performance.md.
 *
 * Environment: BENCH_SIZES (default "100000"), BENCH_RUNS (default 3), NEO4J_URI/… to use your own
 * server (it is emptied!), S3_ENDPOINT/S3_ACCESS_KEY_ID/S3_SECRET_ACCESS_KEY/S3_BUCKET for another
 * S3 service (the bucket must exist).
 */
import { randomUUID } from "node:crypto";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { CreateBucketCommand, S3Client } from "@aws-sdk/client-s3";
import neo4j, { type Driver } from "neo4j-driver";
import { startNeo4j } from "../scripts/neo4j/server.mjs";
import { startS3Server } from "../scripts/s3/server.mjs";
import { clearDatabase, loadSampleGraph } from "../scripts/sample-graph/index.js";
import { copyBackup, FileSystemStorage, S3Storage } from "../src/index.js";
import { median, type Run, runWorkerOnce, spreadSeconds as spread } from "./common.js";

/** The S3 service: S3_ENDPOINT…, or a versitygw started here (its env set for the workers). */
async function s3Service(): Promise<{ bucket: string; stop: () => Promise<void> }> {
  if (process.env.S3_ENDPOINT)
    return { bucket: process.env.S3_BUCKET ?? "neo4j-backup-bench", stop: async () => {} };
  const server = await startS3Server({ log: (m: string) => console.log(`[s3] ${m}`) });
  process.env.S3_ENDPOINT = server.endpoint;
  process.env.S3_ACCESS_KEY_ID = server.credentials.accessKeyId;
  process.env.S3_SECRET_ACCESS_KEY = server.credentials.secretAccessKey;
  const client = new S3Client({
    endpoint: server.endpoint,
    region: "us-east-1",
    forcePathStyle: true,
    credentials: server.credentials,
  });
  await client.send(new CreateBucketCommand({ Bucket: "neo4j-backup-bench" }));
  client.destroy();
  return { bucket: "neo4j-backup-bench", stop: () => server.stop() };
}

function bucketAt(bucket: string, prefix: string): S3Storage {
  return new S3Storage({
    bucket,
    prefix,
    endpoint: process.env.S3_ENDPOINT!,
    forcePathStyle: true,
    credentials: {
      accessKeyId: process.env.S3_ACCESS_KEY_ID!,
      secretAccessKey: process.env.S3_SECRET_ACCESS_KEY!,
    },
  });
}

const row = (label: string, runs: Run[], base: number) => {
  const ms = median(runs.map((r) => r.ms));
  return `| ${label} | ${(ms / 1000).toFixed(2)} s (${spread(runs.map((r) => r.ms))}) | ${(ms / base).toFixed(2)}× | ${median(runs.map((r) => r.peakRssMb)).toFixed(0)} MB |`;
};

async function measure(size: number, runs: number, conn: string[], bucket: string, driver: Driver) {
  const folders: string[] = [];
  const folder = () => {
    const dir = mkdtempSync(join(tmpdir(), "neo4j-backup-bench-"));
    folders.push(dir);
    return dir;
  };
  try {
    const toFolder: Run[] = [];
    const toBucket: Run[] = [];
    // warm the page cache and the JIT of the server, as bench:backup does, before anything counts
    runWorkerOnce(["backup", ...conn, folder()]);
    for (let i = 0; i < runs; i++) {
      toFolder.push(runWorkerOnce(["backup", ...conn, folder()]));
      toBucket.push(runWorkerOnce(["backup", ...conn, `s3://${bucket}/bench-${randomUUID()}`]));
      console.log(
        `  backup run ${i + 1}: folder ${toFolder[i]!.ms.toFixed(0)} ms, S3 ${toBucket[i]!.ms.toFixed(0)} ms`,
      );
    }
    const source = folder();
    const name = runWorkerOnce(["backup", ...conn, source]).name!;
    const prefix = `bench-${randomUUID()}`;
    await copyBackup({
      from: new FileSystemStorage({ directory: source }),
      to: bucketAt(bucket, prefix),
      name,
    });
    const fromFolder: Run[] = [];
    const fromBucket: Run[] = [];
    for (let i = 0; i < runs; i++) {
      await clearDatabase(driver);
      fromFolder.push(runWorkerOnce(["restore", ...conn, source, name]));
      await clearDatabase(driver);
      fromBucket.push(runWorkerOnce(["restore", ...conn, `s3://${bucket}/${prefix}`, name]));
      console.log(
        `  restore run ${i + 1}: folder ${fromFolder[i]!.ms.toFixed(0)} ms, S3 ${fromBucket[i]!.ms.toFixed(0)} ms`,
      );
    }
    const b = median(toFolder.map((r) => r.ms));
    const r = median(fromFolder.map((x) => x.ms));
    const mb = (toFolder[0]!.bytes! / 1e6).toFixed(1);
    return [
      `| ${size.toLocaleString("en-US")} nodes (${mb} MB backup) | time, median (min–max) | ÷ folder | client peak RSS |`,
      "| --- | --- | ---: | ---: |",
      row("createBackup → folder", toFolder, b),
      row("createBackup → S3", toBucket, b),
      row("restoreBackup ← folder", fromFolder, r),
      row("restoreBackup ← S3", fromBucket, r),
    ];
  } finally {
    for (const dir of folders) rmSync(dir, { recursive: true, force: true });
  }
}

async function main(): Promise<void> {
  const sizes = (process.env.BENCH_SIZES ?? "100000").split(",").map(Number);
  const runs = Number(process.env.BENCH_RUNS ?? 3);
  const s3 = await s3Service();
  let server: Awaited<ReturnType<typeof startNeo4j>> | undefined;
  let uri = process.env.NEO4J_URI;
  let user = process.env.NEO4J_USERNAME ?? "neo4j";
  let password = process.env.NEO4J_PASSWORD ?? "";
  if (!uri) {
    server = await startNeo4j({ line: "5.26", heap: "2g", pageCache: "2g" });
    ({ uri, username: user, password } = server);
  }
  const driver = neo4j.driver(uri!, neo4j.auth.basic(user, password));
  const tables: string[] = [];
  try {
    for (const size of sizes) {
      await clearDatabase(driver);
      const loaded = await loadSampleGraph(driver, { nodes: size, seed: 1, special: false });
      console.log(`loaded ${loaded.nodes} nodes, ${loaded.relationships} relationships`);
      tables.push(...(await measure(size, runs, [uri!, user, password], s3.bucket, driver)), "");
    }
  } finally {
    await driver.close();
    await server?.stop();
    await s3.stop();
  }
  console.log(`\n${tables.join("\n")}`);
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
