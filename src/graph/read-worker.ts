/**
 * A read worker (a worker thread, see parallel-read.ts): it gets a driver of its own from the
 * caller's driver module, opens one read transaction on the database being read, and for each id
 * range it is given reads the records and posts back, in id order, either their canonical backup
 * lines in batches (a parallel backup) or their content-fingerprint hashes (a parallel
 * verification). Nothing here writes anywhere.
 */
import { parentPort, workerData } from "node:worker_threads";
import type { Driver } from "neo4j-driver";
import { BackupError } from "../errors.js";
import { FingerprintBuilder, nodeHash, relationshipInnerHash, sortLabels } from "../format/fingerprint.js";
import { IdSet } from "../format/id-set.js";
import { encodeProperties } from "../format/values.js";
import type { ReadTask, ReadWorkerData, WorkerBatch, WorkerMessage } from "./parallel-read.js";
import { GraphReader } from "./read-graph.js";
import { nodeLine, relationshipLine } from "./record-lines.js";
import { assertLosslessDriver } from "./server.js";

/** A batch is posted after this many characters of lines (or at the end of its range). */
const BATCH_CHARS = 256 * 1024;

const port = parentPort!;
const data = workerData as ReadWorkerData;
let driver: Driver | undefined;
let reader: GraphReader | undefined;
let nodeIds: IdSet | undefined;

function post(message: WorkerMessage, transfer: ArrayBuffer[] = []): void {
  port.postMessage(message, transfer);
}

function failure(error: unknown): WorkerMessage {
  const e = error as { code?: unknown; message?: unknown; name?: unknown };
  return {
    type: "error",
    backupCode: error instanceof BackupError ? error.code : undefined,
    code: typeof e?.code === "string" ? e.code : undefined,
    name: typeof e?.name === "string" ? e.name : "Error",
    message: typeof e?.message === "string" ? e.message : String(error),
  };
}

async function start(): Promise<void> {
  const module = (await import(data.driverModule).catch((error: Error) => {
    throw new BackupError(
      "INVALID_OPTIONS",
      `parallel.driverModule ${data.driverModule} could not be loaded: ${error.message}`,
    );
  })) as { createDriver?: (data: unknown) => Driver | Promise<Driver>; default?: unknown };
  const create =
    typeof module.createDriver === "function"
      ? module.createDriver
      : typeof module.default === "function"
        ? (module.default as (data: unknown) => Driver | Promise<Driver>)
        : undefined;
  if (!create) {
    throw new BackupError(
      "INVALID_OPTIONS",
      `parallel.driverModule ${data.driverModule} exports no createDriver function (nor a default one)`,
    );
  }
  driver = await Promise.resolve()
    .then(() => create(data.driverData))
    .catch((error: Error) => {
      throw new BackupError(
        "INVALID_OPTIONS",
        `createDriver of parallel.driverModule ${data.driverModule} failed: ${error.message}`,
      );
    });
  assertLosslessDriver(driver);
  reader = await GraphReader.open(driver, { database: data.database, fetchSize: data.fetchSize });
  await reader.begin();
  post({ type: "ready", database: reader.server.database, identity: reader.server.identity?.id ?? null });
}

/** Lines of one range, posted in batches of about {@link BATCH_CHARS}. */
class RangeLines {
  private lines: string[] = [];
  private chars = 0;
  private ids: number[] = [];
  private counts = new Map<string, number>();
  private skipped = 0;

  constructor(private readonly task: ReadTask) {}

  add(line: string, id: number | undefined, counted: readonly string[]): void {
    this.lines.push(line);
    this.chars += line.length;
    if (id !== undefined) this.ids.push(id);
    for (const key of counted) this.counts.set(key, (this.counts.get(key) ?? 0) + 1);
    if (this.chars >= BATCH_CHARS) this.flush(false);
  }

  skip(): void {
    this.skipped++;
  }

  flush(last: boolean): void {
    if (this.lines.length > 0) this.lines.push("");
    const ids = this.task.kind === "nodes" ? Float64Array.from(this.ids) : undefined;
    const batch: WorkerBatch = {
      type: "batch",
      seq: this.task.seq,
      text: this.lines.join("\n"),
      count: Math.max(0, this.lines.length - 1),
      ids,
      counts: Object.fromEntries(this.counts),
      skipped: this.skipped,
      last,
    };
    post(batch, ids ? [ids.buffer as ArrayBuffer] : []);
    this.lines = [];
    this.chars = 0;
    this.ids = [];
    this.counts = new Map();
    this.skipped = 0;
  }
}

/** The fingerprint's hashes of one range, posted as one batch. */
async function hashRange(task: ReadTask): Promise<void> {
  const base = { type: "batch", seq: task.seq, text: "", counts: {}, skipped: 0, last: true } as const;
  if (task.kind === "nodes") {
    const sums = new FingerprintBuilder();
    const ids: number[] = [];
    const hashes: number[] = [];
    await reader!.readNodeRange(task.first, task.last, (node) => {
      const sorted = sortLabels(node.labels);
      const h = nodeHash(sorted, encodeProperties(node.properties));
      sums.addNodeHash(node.id, sorted, h);
      ids.push(node.id);
      hashes.push(h);
    });
    const batch: WorkerBatch = {
      ...base,
      count: ids.length,
      ids: Float64Array.from(ids),
      nodeHashes: { hashes: Float64Array.from(hashes), sums: sums.nodeSums() },
    };
    post(batch, [batch.ids!.buffer as ArrayBuffer, batch.nodeHashes!.hashes.buffer as ArrayBuffer]);
    return;
  }
  const ends: number[] = [];
  const inners: number[] = [];
  const types: string[] = [];
  await reader!.readRelationshipRange(task.first, task.last, (rel) => {
    ends.push(rel.start, rel.end);
    inners.push(relationshipInnerHash(rel.type, encodeProperties(rel.properties)));
    types.push(rel.type);
  });
  const relationshipHashes = { ends: Float64Array.from(ends), inners: Float64Array.from(inners), types };
  const batch: WorkerBatch = { ...base, count: types.length, ids: undefined, relationshipHashes };
  post(batch, [
    relationshipHashes.ends.buffer as ArrayBuffer,
    relationshipHashes.inners.buffer as ArrayBuffer,
  ]);
}

async function run(task: ReadTask): Promise<void> {
  if (task.purpose === "hashes") return hashRange(task);
  const out = new RangeLines(task);
  if (task.kind === "nodes") {
    await reader!.readNodeRange(task.first, task.last, (node) => {
      out.add(nodeLine(node), node.id, node.labels);
    });
  } else {
    const known = nodeIds!;
    await reader!.readRelationshipRange(task.first, task.last, (rel) => {
      // an endpoint created after the node scan passed it: left out, as on one thread
      if (!known.has(rel.start) || !known.has(rel.end)) out.skip();
      else out.add(relationshipLine(rel), undefined, [rel.type]);
    });
  }
  out.flush(true);
}

async function close(): Promise<void> {
  try {
    await reader?.commit();
  } finally {
    await reader?.close();
    await driver?.close();
  }
  post({ type: "closed" });
}

let queue: Promise<void> = start().catch((error) => post(failure(error)));

port.on(
  "message",
  (message: ReadTask | { type: "nodes"; pages: Map<number, Uint32Array> } | { type: "close" }) => {
    queue = queue
      .then(async () => {
        if (message.type === "task") await run(message);
        else if (message.type === "nodes") nodeIds = IdSet.fromIntegerPages(message.pages);
        else await close();
      })
      .catch((error) => post(failure(error)));
  },
);
