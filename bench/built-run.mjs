/**
 * One createBackup or restoreBackup from the built package (dist/, `npm run build`) in a fresh
 * plain Node.js process, as users run it — no TypeScript loader in it or in its read worker threads:
 *
 *   node bench/built-run.mjs backup <uri> <user> <password> <dir> <threads>
 *   node bench/built-run.mjs restore <uri> <user> <password> <dir> <threads> <name>
 *
 * prints one JSON line like bench/worker.ts (mode, ms, cpuMs, peakRssMb, and what it counted; a
 * restore into the emptied database also its phases). With threads > 1 the backup, or the
 * restore's verification, reads on that many worker threads whose drivers come from
 * bench/driver-module.mjs.
 */
import neo4j from "neo4j-driver";
import { createBackup, FileSystemStorage, restoreBackup } from "../dist/index.js";

const [mode, uri, user, password, directory, threadsText, name] = process.argv.slice(2);
const threads = Number(threadsText ?? 1);
const parallel =
  threads > 1
    ? {
        parallel: {
          driverModule: new URL("./driver-module.mjs", import.meta.url),
          driverData: { uri, user, password },
          threads,
        },
      }
    : {};
const driver = neo4j.driver(uri, neo4j.auth.basic(user, password));
try {
  const storage = new FileSystemStorage({ directory });
  const started = performance.now();
  const cpuAtStart = process.cpuUsage();
  let counted;
  if (mode === "backup") {
    const r = await createBackup({ driver, storage, reason: "benchmark", ...parallel });
    counted = { bytes: r.bytes, nodes: r.nodeCount, relationships: r.relationshipCount };
  } else {
    const phases = {};
    let phase;
    let since = performance.now();
    const r = await restoreBackup({
      driver,
      storage,
      name,
      mode: "empty",
      ...parallel,
      onProgress: (p) => {
        if (p.phase === phase) return;
        const now = performance.now();
        if (phase) phases[phase] = (phases[phase] ?? 0) + now - since;
        phase = p.phase;
        since = now;
      },
    });
    if (!r.verification?.equal)
      throw new Error(`restore not equal: ${r.verification?.differences.join("; ")}`);
    counted = { nodes: r.nodeCount, relationships: r.relationshipCount, phases };
  }
  const ms = performance.now() - started;
  const cpu = process.cpuUsage(cpuAtStart);
  process.stdout.write(
    `${JSON.stringify({
      mode: `${mode}-built-${threads}`,
      ms,
      cpuMs: (cpu.user + cpu.system) / 1000,
      peakRssMb: process.resourceUsage().maxRSS / 1024,
      ...counted,
    })}\n`,
  );
} finally {
  await driver.close();
}
