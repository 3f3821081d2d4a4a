/**
 * One createBackup from the built package (dist/, `npm run build`) in a fresh plain Node.js process,
 * as users run it — no TypeScript loader in it or in its read worker threads:
 * `node bench/built-backup.mjs <uri> <user> <password> <dir> <threads>` prints one JSON line like
 * bench/worker.ts (mode, ms, cpuMs, peakRssMb, bytes, nodes, relationships). With threads > 1 it is
 * a parallel backup whose workers get their drivers from bench/driver-module.mjs.
 */
import neo4j from "neo4j-driver";
import { createBackup, FileSystemStorage } from "../dist/index.js";

const [uri, user, password, directory, threadsText] = process.argv.slice(2);
const threads = Number(threadsText ?? 1);
const driver = neo4j.driver(uri, neo4j.auth.basic(user, password));
try {
  const started = performance.now();
  const cpuAtStart = process.cpuUsage();
  const result = await createBackup({
    driver,
    storage: new FileSystemStorage({ directory }),
    reason: "benchmark",
    ...(threads > 1
      ? {
          parallel: {
            driverModule: new URL("./driver-module.mjs", import.meta.url),
            driverData: { uri, user, password },
            threads,
          },
        }
      : {}),
  });
  const ms = performance.now() - started;
  const cpu = process.cpuUsage(cpuAtStart);
  process.stdout.write(
    `${JSON.stringify({
      mode: threads > 1 ? `backup-${threads}-threads` : "backup-built",
      ms,
      cpuMs: (cpu.user + cpu.system) / 1000,
      peakRssMb: process.resourceUsage().maxRSS / 1024,
      bytes: result.bytes,
      nodes: result.nodeCount,
      relationships: result.relationshipCount,
    })}\n`,
  );
} finally {
  await driver.close();
}
