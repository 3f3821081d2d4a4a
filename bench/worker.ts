/**
 * One measured run in a fresh process, so that its peak RSS is its own:
 * `tsx bench/worker.ts <mode> <uri> <user> <password> <dir> [<name>] [<options JSON>]` prints one
 * JSON line (mode, ms, cpuMs — its own CPU time over the same span —, peakRssMb and what the mode
 * counted).
 *
 * Modes: `drain` (raw driver read of all nodes and relationships), `backup` (createBackup into
 * `dir`), `restore` (restoreBackup of `dir`/`name` into an empty database; both take their
 * compression, encryption and decryption options from the options JSON, and `dir` may be
 * `s3://bucket/prefix` for both, see `storageAt`; `{"threads": 2}` reads on worker threads, see
 * `libraryOptions`), `plain` (batched
 * `UNWIND … CREATE` of the same records), `apoc-export` (`apoc.export.json.all` to `name` in the
 * server's import folder `dir`), `apoc-import` (`apoc.import.json` of that file; options:
 * {@link ApocImportOptions}) and `apoc-restore` (restoreBackup of APOC's file `dir`/`name`, with the
 * same type mappings as `apocPropertyTypes`).
 */
import { statSync } from "node:fs";
import { join } from "node:path";
import neo4j, { type Driver } from "neo4j-driver";
import { NodeIdMap } from "../src/format/id-map.js";
import { readBackupEvents } from "../src/format/reader.js";
import { decodeProperties, toBigInt } from "../src/format/values.js";
import { escapeIdentifier, labelFragment } from "../src/graph/names.js";
import {
  type ApocPropertyTypes,
  type BackupStorage,
  createBackup,
  FileSystemStorage,
  restoreBackup,
  S3Storage,
} from "../src/index.js";
import { APOC_IMPORT_ID, type ApocImportOptions } from "./common.js";

/** Milliseconds spent in each phase of an operation, from its progress callbacks. */
class PhaseClock {
  private readonly spent: Record<string, number> = {};
  private current: string | undefined;
  private since = performance.now();

  enter(phase: string): void {
    if (phase === this.current) return;
    this.stop();
    this.current = phase;
  }

  private stop(): void {
    const now = performance.now();
    if (this.current) this.spent[this.current] = (this.spent[this.current] ?? 0) + now - this.since;
    this.since = now;
  }

  done(): Record<string, number> {
    this.stop();
    return Object.fromEntries(Object.entries(this.spent).map(([k, v]) => [k, Math.round(v)]));
  }
}

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

/**
 * The baseline writer: the same records, read and decoded the same way, written with plain batched
 * `UNWIND … CREATE` (nodes grouped by label set, relationships by type and connected by id seeks),
 * one transaction per batch, no validation, verification, schema or progress.
 */
async function plainCreate(
  driver: Driver,
  dir: string,
  name: string,
): Promise<{ nodes: number; relationships: number }> {
  const storage = new FileSystemStorage({ directory: dir });
  const ids = new NodeIdMap();
  const nodes = new Map<string, { labels: string[]; keys: (number | string)[]; rows: unknown[] }>();
  const rels = new Map<string, unknown[]>();
  let n = 0;
  let r = 0;
  const session = driver.session({ defaultAccessMode: "WRITE" });
  const flushNodes = async (key: string) => {
    const b = nodes.get(key)!;
    nodes.delete(key);
    const res = await session.executeWrite((tx) =>
      tx.run(`UNWIND $rows AS row CREATE (n${labelFragment(b.labels)}) SET n = row.p RETURN row.i, id(n)`, {
        rows: b.rows,
      }),
    );
    for (const rec of res.records)
      ids.set(b.keys[Number(toBigInt(rec.get(0)))]!, Number(toBigInt(rec.get(1))));
    n += b.rows.length;
  };
  const flushRels = async (type: string) => {
    const rows = rels.get(type)!;
    rels.delete(type);
    await session.executeWrite((tx) =>
      tx.run(
        `UNWIND $rows AS row MATCH (a) WHERE id(a) = row.s MATCH (b) WHERE id(b) = row.e CREATE (a)-[r:${escapeIdentifier(type)}]->(b) SET r = row.p`,
        { rows },
      ),
    );
    r += rows.length;
  };
  try {
    for await (const e of readBackupEvents(await storage.read(name))) {
      if (e.kind === "node") {
        const v = e.value as { _id: number; _labels: string[]; properties: Record<string, unknown> };
        const key = v._labels.join("\u0000");
        let b = nodes.get(key);
        if (!b) {
          b = { labels: v._labels, keys: [], rows: [] };
          nodes.set(key, b);
        }
        b.rows.push({ i: b.keys.length, p: decodeProperties(v.properties) });
        b.keys.push(v._id);
        if (b.rows.length >= 5000) await flushNodes(key);
      } else if (e.kind === "relationship") {
        for (const key of [...nodes.keys()]) await flushNodes(key);
        const v = e.value as {
          _type: string;
          _start_id: number;
          _end_id: number;
          properties: Record<string, unknown>;
        };
        let rows = rels.get(v._type);
        if (!rows) {
          rows = [];
          rels.set(v._type, rows);
        }
        rows.push({ s: ids.get(v._start_id), e: ids.get(v._end_id), p: decodeProperties(v.properties) });
        if (rows.length >= 5000) await flushRels(v._type);
      }
    }
    for (const key of [...nodes.keys()]) await flushNodes(key);
    for (const type of [...rels.keys()]) await flushRels(type);
  } finally {
    await session.close();
  }
  return { nodes: n, relationships: r };
}

/** `apoc.export.json.all` to `name` (relative to the server's import folder `dir`); the file's size. */
async function apocExport(driver: Driver, dir: string, name: string): Promise<Record<string, unknown>> {
  const { records } = await driver.executeQuery(
    "CALL apoc.export.json.all($file, {}) YIELD nodes, relationships RETURN nodes, relationships",
    { file: name },
  );
  return {
    nodes: Number(toBigInt(records[0]!.get("nodes"))),
    relationships: Number(toBigInt(records[0]!.get("relationships"))),
    bytes: statSync(join(dir, name)).size,
  };
}

/**
 * `apoc.import.json` of `name` into an empty database, with everything that takes to end with the
 * same graph: a uniqueness constraint on the import id per label (APOC refuses to run without), the
 * import with property type mappings, then dropping those constraints and removing the import id
 * from every node and relationship (APOC's own `cleanup` option removes it before relationships are
 * connected, which loses every relationship). `importMs` is the procedure call alone.
 */
async function apocImport(
  driver: Driver,
  name: string,
  options: ApocImportOptions,
): Promise<Record<string, unknown>> {
  const id = escapeIdentifier(APOC_IMPORT_ID);
  const constraints = options.labels.map((label, i) => ({ label, name: `bench_apoc_import_${i}` }));
  const session = driver.session({ defaultAccessMode: "WRITE" });
  try {
    for (const c of constraints)
      await session.run(
        `CREATE CONSTRAINT ${escapeIdentifier(c.name)} IF NOT EXISTS FOR (n${labelFragment([c.label])}) REQUIRE n.${id} IS UNIQUE`,
      );
    const started = performance.now();
    const result = await session.run(
      "CALL apoc.import.json($file, {nodePropertyMappings: $nodes, relPropertyMappings: $rels}) " +
        "YIELD nodes, relationships RETURN nodes, relationships",
      { file: name, nodes: options.nodePropertyMappings, rels: options.relPropertyMappings },
    );
    const importMs = performance.now() - started;
    for (const c of constraints) await session.run(`DROP CONSTRAINT ${escapeIdentifier(c.name)} IF EXISTS`);
    await session.run(
      `MATCH (n) WHERE n.${id} IS NOT NULL CALL (n) { REMOVE n.${id} } IN TRANSACTIONS OF 10000 ROWS`,
    );
    await session.run(
      `MATCH ()-[r]->() WHERE r.${id} IS NOT NULL CALL (r) { REMOVE r.${id} } IN TRANSACTIONS OF 10000 ROWS`,
    );
    const record = result.records[0]!;
    return {
      nodes: Number(toBigInt(record.get("nodes"))),
      relationships: Number(toBigInt(record.get("relationships"))),
      importMs,
    };
  } finally {
    await session.close();
  }
}

/** A folder, or `s3://bucket/prefix` on the service that S3_ENDPOINT, S3_ACCESS_KEY_ID, S3_SECRET_ACCESS_KEY name. */
function storageAt(location: string): BackupStorage {
  if (!location.startsWith("s3://")) return new FileSystemStorage({ directory: location });
  const { S3_ENDPOINT, S3_ACCESS_KEY_ID, S3_SECRET_ACCESS_KEY } = process.env;
  return S3Storage.fromUrl(location, {
    ...(S3_ENDPOINT ? { endpoint: S3_ENDPOINT, forcePathStyle: true } : {}),
    ...(S3_ACCESS_KEY_ID && S3_SECRET_ACCESS_KEY
      ? { credentials: { accessKeyId: S3_ACCESS_KEY_ID, secretAccessKey: S3_SECRET_ACCESS_KEY } }
      : {}),
  });
}

/**
 * The options JSON of `backup` and `restore`: passed on to createBackup / restoreBackup, except
 * `threads` — above 1, the backup, or the restore's verification, reads on that many worker
 * threads whose drivers come from bench/driver-module.mjs (the same URI and credentials).
 */
function libraryOptions(json: string | undefined, uri: string, user: string, password: string) {
  const { threads, ...rest } = (json ? JSON.parse(json) : {}) as { threads?: number } & Record<
    string,
    unknown
  >;
  if (!threads || threads <= 1) return rest;
  // from bench/worker.ts and from its bundle in .bench/ alike
  const driverModule = new URL("../bench/driver-module.mjs", import.meta.url);
  return { ...rest, parallel: { driverModule, driverData: { uri, user, password }, threads } };
}

async function main(): Promise<void> {
  const [mode, uri, user, password, dir, name, json] = process.argv.slice(2);
  const driver = neo4j.driver(uri!, neo4j.auth.basic(user!, password!));
  try {
    const started = performance.now();
    const cpuAtStart = process.cpuUsage();
    let extra: Record<string, unknown> = {};
    if (mode === "drain") extra = await drain(driver);
    else if (mode === "backup") {
      const r = await createBackup({
        ...libraryOptions(json, uri!, user!, password!),
        driver,
        storage: storageAt(dir!),
        reason: "benchmark",
      });
      extra = {
        bytes: r.bytes,
        nodes: r.nodeCount,
        relationships: r.relationshipCount,
        name: r.name,
        ...(r.snapshot ? { snapshot: r.snapshot } : {}),
      };
    } else if (mode === "restore") {
      const phases = new PhaseClock();
      const r = await restoreBackup({
        ...libraryOptions(json, uri!, user!, password!),
        driver,
        storage: storageAt(dir!),
        name: name!,
        mode: "empty",
        onProgress: (p) => phases.enter(p.phase),
      });
      if (!r.verification?.equal)
        throw new Error(`restore not equal: ${r.verification?.differences.join("; ")}`);
      extra = { nodes: r.nodeCount, relationships: r.relationshipCount, phases: phases.done() };
    } else if (mode === "plain") {
      extra = await plainCreate(driver, dir!, name!);
    } else if (mode === "apoc-export") {
      extra = await apocExport(driver, dir!, name!);
    } else if (mode === "apoc-import") {
      extra = await apocImport(driver, name!, JSON.parse(json!) as ApocImportOptions);
    } else if (mode === "apoc-restore") {
      const options = JSON.parse(json!) as ApocImportOptions;
      const r = await restoreBackup({
        driver,
        storage: new FileSystemStorage({ directory: dir! }),
        name: name!,
        mode: "empty",
        apocPropertyTypes: {
          nodes: options.nodePropertyMappings,
          relationships: options.relPropertyMappings,
        } as ApocPropertyTypes,
      });
      if (!r.verification?.equal)
        throw new Error(`restore not equal: ${r.verification?.differences.join("; ")}`);
      extra = { nodes: r.nodeCount, relationships: r.relationshipCount };
    } else throw new Error(`unknown mode ${mode}`);
    const ms = performance.now() - started;
    const cpu = process.cpuUsage(cpuAtStart);
    const cpuMs = (cpu.user + cpu.system) / 1000;
    const peakRssMb = process.resourceUsage().maxRSS / 1024;
    process.stdout.write(`${JSON.stringify({ mode, ms, cpuMs, peakRssMb, ...extra })}\n`);
  } finally {
    await driver.close();
  }
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
