/**
 * One measured run in a fresh process, so that its peak RSS is its own:
 * `tsx bench/worker.ts <drain|backup> <uri> <user> <password> <dir>` prints one JSON line.
 */
import neo4j, { type Driver } from "neo4j-driver";
import { createBackup, FileSystemStorage } from "../src/index.js";

async function drain(driver: Driver): Promise<{ records: number }> {
  const session = driver.session({ defaultAccessMode: "READ", fetchSize: 2000 });
  let records = 0;
  try {
    const tx = await session.beginTransaction();
    for await (const _ of tx.run("MATCH (n) RETURN n")) records++;
    for await (const _ of tx.run("MATCH ()-[r]->() RETURN r")) records++;
    await tx.commit();
  } finally {
    await session.close();
  }
  return { records };
}

async function main(): Promise<void> {
  const [mode, uri, user, password, dir] = process.argv.slice(2);
  const driver = neo4j.driver(uri!, neo4j.auth.basic(user!, password!));
  try {
    const started = performance.now();
    let extra: Record<string, unknown> = {};
    if (mode === "drain") extra = await drain(driver);
    else if (mode === "backup") {
      const r = await createBackup({
        driver,
        storage: new FileSystemStorage({ directory: dir! }),
        reason: "benchmark",
      });
      extra = { bytes: r.bytes, nodes: r.nodeCount, relationships: r.relationshipCount };
    } else throw new Error(`unknown mode ${mode}`);
    const ms = performance.now() - started;
    const peakRssMb = process.resourceUsage().maxRSS / 1024;
    process.stdout.write(`${JSON.stringify({ mode, ms, peakRssMb, ...extra })}\n`);
  } finally {
    await driver.close();
  }
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
