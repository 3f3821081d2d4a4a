/**
 * `npm run bench:codecs`: what compression and encryption cost, in one run on the same data.
 *
 * For each size it loads the sample graph into a local Neo4j 5.26, then, RUNS times in turn, backs
 * it up plain, gzip, zstd and zstd+age (and restores each of those files into the emptied database),
 * each in a fresh process so that its peak RSS is its own. Prints size ratio, backup and restore
 * time against the plain backup and restore of the same run, and peak RSS.
 *
 * Environment: BENCH_SIZES (default "100000"), BENCH_RUNS (default 3), BENCH_CODECS (default
 * "plain,gzip,zstd,zstd+age"; also "age", "gzip+age"), NEO4J_URI/… to use your own server (it is emptied!).
 */
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import neo4j, { type Driver } from "neo4j-driver";
import { startNeo4j } from "../scripts/neo4j/server.mjs";
import { clearDatabase, loadSampleGraph } from "../scripts/sample-graph/index.js";
import { median, type Run, runWorkerOnce, spreadSeconds } from "./common.js";

interface Codec {
  label: string;
  backup: Record<string, unknown>;
  restore: Record<string, unknown>;
}

async function codecs(names: string[]): Promise<Codec[]> {
  const age = await import("age-encryption");
  // a key made for this run only
  const identity = await age.generateIdentity();
  const recipient = await age.identityToRecipient(identity);
  return names.map((label) => {
    const [compression = "none", encrypted] = label === "age" ? ["none", "age"] : label.split("+");
    const backup: Record<string, unknown> = compression === "plain" ? {} : { compression };
    if (encrypted) backup.encryption = { recipients: [recipient] };
    return { label, backup, restore: encrypted ? { decryption: { identities: [identity] } } : {} };
  });
}

interface Measured {
  label: string;
  backups: Run[];
  restores: Run[];
}

function measure(
  list: Codec[],
  runs: number,
  server: { uri: string; user: string; password: string },
  driver: Driver,
): Promise<Measured[]> {
  const { uri, user, password } = server;
  const results = list.map((c) => ({ label: c.label, backups: [] as Run[], restores: [] as Run[] }));
  return (async () => {
    for (let i = 0; i < runs; i++) {
      for (const [k, codec] of list.entries()) {
        const dir = mkdtempSync(join(tmpdir(), "neo4j-backup-bench-codec-"));
        try {
          const b = runWorkerOnce(["backup", uri, user, password, dir, "", JSON.stringify(codec.backup)]);
          results[k]!.backups.push(b);
          // restore into the emptied database, then load nothing: the next backup reads what was restored
          await clearDatabase(driver);
          const r = runWorkerOnce([
            "restore",
            uri,
            user,
            password,
            dir,
            b.name!,
            JSON.stringify(codec.restore),
          ]);
          results[k]!.restores.push(r);
          console.log(
            `  run ${i + 1} ${codec.label}: backup ${(b.ms / 1000).toFixed(1)} s, ${(b.bytes! / 1e6).toFixed(1)} MB; restore ${(r.ms / 1000).toFixed(1)} s`,
          );
        } finally {
          rmSync(dir, { recursive: true, force: true });
        }
      }
    }
    return results;
  })();
}

function table(size: number, results: Measured[]): string[] {
  const plain = results.find((r) => r.label === "plain") ?? results[0]!;
  const pb = median(plain.backups.map((r) => r.ms));
  const pr = median(plain.restores.map((r) => r.ms));
  const pBytes = median(plain.backups.map((r) => r.bytes!));
  return results.map((r) => {
    const b = median(r.backups.map((x) => x.ms));
    const rs = median(r.restores.map((x) => x.ms));
    const bytes = median(r.backups.map((x) => x.bytes!));
    return `| ${size.toLocaleString("en-US")} | ${r.label} | ${(bytes / 1e6).toFixed(1)} MB | ${(pBytes / bytes).toFixed(2)}× | ${(b / 1000).toFixed(2)} s (${spreadSeconds(r.backups.map((x) => x.ms))}) | ${(b / pb).toFixed(2)}× | ${(rs / 1000).toFixed(2)} s (${spreadSeconds(r.restores.map((x) => x.ms))}) | ${(rs / pr).toFixed(2)}× | ${median(r.backups.map((x) => x.peakRssMb)).toFixed(0)} / ${median(r.restores.map((x) => x.peakRssMb)).toFixed(0)} MB |`;
  });
}

async function main(): Promise<void> {
  const sizes = (process.env.BENCH_SIZES ?? "100000").split(",").map(Number);
  const runs = Number(process.env.BENCH_RUNS ?? 3);
  const list = await codecs((process.env.BENCH_CODECS ?? "plain,gzip,zstd,zstd+age").split(","));
  let started: Awaited<ReturnType<typeof startNeo4j>> | undefined;
  let uri = process.env.NEO4J_URI;
  let user = process.env.NEO4J_USERNAME ?? "neo4j";
  let password = process.env.NEO4J_PASSWORD ?? "";
  if (!uri) {
    started = await startNeo4j({ line: "5.26", heap: "2g", pageCache: "2g" });
    ({ uri, username: user, password } = started!);
  }
  const driver = neo4j.driver(uri!, neo4j.auth.basic(user, password));
  const rows: string[] = [];
  try {
    for (const size of sizes) {
      await clearDatabase(driver);
      const loaded = await loadSampleGraph(driver, { nodes: size, seed: 1, special: false });
      console.log(`loaded ${loaded.nodes} nodes, ${loaded.relationships} relationships`);
      rows.push(...table(size, await measure(list, runs, { uri: uri!, user, password }, driver)));
    }
  } finally {
    await driver.close();
    await started?.stop();
  }
  console.log(
    `\nNeo4j ${started?.version ?? uri}; Node.js ${process.version}; ${runs} runs each, medians (min–max)`,
  );
  console.log(
    "| nodes | codec | file | smaller by | backup | ÷ plain | restore | ÷ plain | peak RSS backup / restore |",
  );
  console.log("|---|---|---|---|---|---|---|---|---|");
  for (const row of rows) console.log(row);
}

main().catch((e) => {
  console.error(e);
  process.exitCode = 1;
});
