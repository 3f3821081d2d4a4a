/**
 * A process that backs up or restores and kills itself with SIGKILL at a chosen point — a real
 * `kill -9` at a precise moment. Prints `killed:<point>` just before, or `completed` if the point
 * was never reached. Server from NEO4J_URI / NEO4J_USERNAME / NEO4J_PASSWORD.
 *
 *   node --import tsx crash-worker.ts backup|distribution|prune <point-json> <directory>
 *   node --import tsx crash-worker.ts restore|restore-empty <point-json> <directory> <backup-name>
 *
 * CRASH_CODEC (JSON, optional) adds compression, encryption and decryption options to both (and
 * `{ "snapshot": true }` makes the backup a snapshot). `prune` removes every unreferenced chunk
 * (no grace period).
 * CRASH_PARALLEL (JSON `{ threads, rangeSize, exitAfterRanges? }`, optional) makes the backup a
 * parallel one (and a restore's safety backup and verification), its read workers' drivers from test/support/worker-driver.ts (`exitAfterRanges`: a
 * worker thread exits after that many ranges).
 * CRASH_S3 (JSON S3StorageOptions, optional) works on that bucket prefix instead of the folder
 * (then `<directory>` is ignored; S3 has no in-place writer, so backups go through the spool).
 */
import neo4j from "neo4j-driver";
import {
  createBackup,
  createDistributionBackup,
  FileSystemStorage,
  pruneChunks,
  restoreBackup,
  S3Storage,
} from "../../../src/index.js";
import { KillingStorage, type KillPoint } from "./killing-storage.js";

const [mode, pointJson, directory, name] = process.argv.slice(2);
const codec = process.env.CRASH_CODEC ? (JSON.parse(process.env.CRASH_CODEC) as Record<string, unknown>) : {};
const point = JSON.parse(pointJson!) as KillPoint;
const die = () => {
  process.stdout.write(`killed:${point.label}\n`);
  process.kill(process.pid, "SIGKILL");
};
const base = process.env.CRASH_S3
  ? new S3Storage(JSON.parse(process.env.CRASH_S3))
  : new FileSystemStorage({ directory: directory! });
const storage = new KillingStorage(base, point, die);
// the wrapper offers an in-place writer only where the storage has one
if (process.env.CRASH_S3) (storage as unknown as Record<string, unknown>).openWriter = undefined;
const driver = neo4j.driver(
  process.env.NEO4J_URI!,
  neo4j.auth.basic(process.env.NEO4J_USERNAME!, process.env.NEO4J_PASSWORD!),
);
const parallelTrial = process.env.CRASH_PARALLEL
  ? (JSON.parse(process.env.CRASH_PARALLEL) as {
      threads: number;
      rangeSize: number;
      exitAfterRanges?: number;
    })
  : undefined;
const parallel = parallelTrial && {
  parallel: {
    driverModule: new URL("../../support/worker-driver.ts", import.meta.url),
    driverData: {
      uri: process.env.NEO4J_URI!,
      username: process.env.NEO4J_USERNAME!,
      password: process.env.NEO4J_PASSWORD!,
      exitAfterRanges: parallelTrial.exitAfterRanges,
    },
    threads: parallelTrial.threads,
    rangeSize: parallelTrial.rangeSize,
  },
};
/** Dies `point.log.delayMs` after the operation logs `point.log.message`. */
const logger = {
  info: (_fields: object, message?: string) => {
    if (point.log && message === point.log.message) setTimeout(die, point.log.delayMs ?? 0);
  },
  warn: () => {},
  error: () => {},
  debug: () => {},
};
const atProgress = (p: { phase: string; nodes: number; relationships: number }) => {
  const at = point.progress;
  if (!at || p.phase !== at.phase) return;
  if (p.nodes >= (at.nodes ?? 0) && p.relationships >= (at.relationships ?? 0)) die();
};
try {
  if (mode === "backup") {
    await createBackup({
      ...codec,
      ...parallel,
      driver,
      storage,
      reason: "crash trial",
      onProgress: atProgress,
      logger,
    });
  } else if (mode === "prune") {
    await pruneChunks({ storage, graceMs: 0 });
  } else if (mode === "distribution") {
    await createDistributionBackup({
      driver,
      storage,
      replace: true,
      reason: "crash trial",
      onProgress: atProgress,
    });
  } else {
    const restoreMode = mode === "restore-empty" ? "empty" : "replace";
    await restoreBackup({
      ...codec,
      driver,
      storage,
      name,
      mode: restoreMode,
      batchSize: 200,
      onProgress: atProgress,
      logger,
      ...parallel,
    });
  }
  process.stdout.write("completed\n");
} catch (error) {
  process.stdout.write(`failed:${(error as Error).message}\n`);
  process.exitCode = 1;
} finally {
  await driver.close();
}
