/**
 * A parallel backup's reading: worker threads, each with a driver of its own (made by the
 * caller's driver module), read disjoint id ranges of the graph and encode them into record lines;
 * this thread hands the lines on strictly in range order, so the file is the same as one read on
 * one thread. At most a few ranges are in flight, so memory stays bounded whatever the graph.
 */
import { createRequire } from "node:module";
import { availableParallelism } from "node:os";
import { resolve } from "node:path";
import { pathToFileURL } from "node:url";
import { Worker } from "node:worker_threads";
import { BackupError, type BackupErrorCode, classifyDriverError } from "../errors.js";
import type { NodeSums } from "../format/fingerprint.js";
import type { IdSet } from "../format/id-set.js";
import type { GraphReader } from "./read-graph.js";

/**
 * Options of a parallel backup (`createBackup`'s `parallel`). A driver cannot cross into another
 * thread, so each worker thread imports `driverModule` and calls its `createDriver(driverData)`
 * (or its default export) once for a driver of its own, which it closes at the end.
 */
export interface ParallelReadOptions {
  /**
   * A module that exports `createDriver(data)` returning a neo4j-driver `Driver` (or a promise of
   * one) for the same server and credentials as the injected driver: an absolute path or a
   * `file:` URL (`new URL("./backup-driver.js", import.meta.url)`).
   */
  driverModule: string | URL;
  /** Handed to `createDriver` in every worker (anything structured clone copies, e.g. the URI and credentials); never logged or stored. */
  driverData?: unknown;
  /** Worker threads; default the machine's available parallelism, at most 4. */
  threads?: number;
  /** Node or relationship ids per read task; default 5000. */
  rangeSize?: number;
}

/** What a worker thread is started with. */
export interface ReadWorkerData {
  driverModule: string;
  driverData: unknown;
  database: string;
  fetchSize: number | undefined;
}

/**
 * What a worker makes of the records it reads: their backup `lines`, or the `hashes` of the content
 * fingerprint (format/fingerprint.ts) — a node's hash, a relationship's hash without its end nodes.
 */
export type ReadPurpose = "lines" | "hashes";

/** A range of ids for a worker to read: `first` to `last`, inclusive. */
export interface ReadTask {
  type: "task";
  seq: number;
  purpose: ReadPurpose;
  kind: "nodes" | "relationships";
  first: number;
  last: number;
}

/**
 * Part of one range (all of it when `last`): for `lines`, the lines, each followed by "\n"; for
 * `hashes`, the hashes and what goes with them.
 */
export interface WorkerBatch {
  type: "batch";
  seq: number;
  text: string;
  count: number;
  /** The node ids of a node batch, in the order of the lines. */
  ids: Float64Array | undefined;
  /** Records per label (nodes) or per type (relationships). */
  counts: Record<string, number>;
  /** Relationships left out because an endpoint was not among the nodes read. */
  skipped: number;
  last: boolean;
  /** `hashes` of nodes: each node's hash (in the order of `ids`) and their sums. */
  nodeHashes?: { hashes: Float64Array; sums: NodeSums };
  /** `hashes` of relationships: start and end ids in pairs, the hashes without end nodes, the types. */
  relationshipHashes?: { ends: Float64Array; inners: Float64Array; types: string[] };
}

/** Messages from a worker. */
export type WorkerMessage =
  | { type: "ready"; database: string; identity: string | null }
  | WorkerBatch
  | { type: "closed" }
  | { type: "error"; backupCode?: BackupErrorCode; code?: string; name: string; message: string };

const DEFAULT_RANGE_SIZE = 5000;
const MAX_DEFAULT_THREADS = 4;

/**
 * Starts the worker's script: compiled next to this file; when this module runs from its
 * TypeScript source (the repository's tests), through tsx, which the worker registers first.
 */
function startWorker(data: ReadWorkerData): Worker {
  if (!import.meta.url.endsWith(".ts")) {
    return new Worker(new URL("./read-worker.js", import.meta.url), { workerData: data });
  }
  const tsx = pathToFileURL(
    createRequire(import.meta.url)
      .resolve("tsx/esm/api")
      .replace(/\.cjs$/, ".mjs"),
  ).href;
  const script = new URL("./read-worker.ts", import.meta.url).href;
  const code = `import(${JSON.stringify(tsx)}).then((api) => { api.register(); return import(${JSON.stringify(script)}); });`;
  return new Worker(code, { eval: true, workerData: data });
}

/** The thread count to use. @throws BackupError INVALID_OPTIONS for a bad option. */
export function resolveParallel(options: ParallelReadOptions): { threads: number; rangeSize: number } {
  const threads = options.threads ?? Math.min(MAX_DEFAULT_THREADS, availableParallelism());
  const rangeSize = options.rangeSize ?? DEFAULT_RANGE_SIZE;
  if (!Number.isInteger(threads) || threads < 1 || threads > 64) {
    throw new BackupError(
      "INVALID_OPTIONS",
      `parallel.threads must be an integer from 1 to 64, got ${threads}`,
    );
  }
  if (!Number.isInteger(rangeSize) || rangeSize < 1) {
    throw new BackupError(
      "INVALID_OPTIONS",
      `parallel.rangeSize must be a positive integer, got ${rangeSize}`,
    );
  }
  const module = options.driverModule;
  if (!(module instanceof URL) && (typeof module !== "string" || module === "")) {
    throw new BackupError("INVALID_OPTIONS", "parallel.driverModule must be a path or a file: URL");
  }
  return { threads, rangeSize };
}

/**
 * Whether ids up to `highest` are dense enough for range reads: ranges over an id space much
 * larger than the records (ids of a store format that does not reuse them) would mostly read
 * nothing.
 */
export function denseEnough(highest: number, records: number): boolean {
  return highest + 1 <= Math.max(4 * records, records + 100_000);
}

/** The highest node and relationship ids: what the ranges of a parallel read cover. */
export interface HighestIds {
  node: number;
  relationship: number;
}

/**
 * Whether the database `reader` reads can be read on worker threads, with what is needed for it:
 * its identity (each worker must reach it) and its highest ids; or why not — it does not say its
 * identity (`db.info()`), or its ids are sparse for its `counts`.
 */
export async function planRangeRead(
  reader: GraphReader,
  counts: { nodes: number; relationships: number },
): Promise<{ identity: string; highest: HighestIds } | { why: string }> {
  const identity = reader.server.identity?.id;
  if (!identity) return { why: "the database does not say its identity (db.info())" };
  const highest = await reader.highestIds();
  if (!denseEnough(highest.node, counts.nodes) || !denseEnough(highest.relationship, counts.relationships))
    return { why: "the ids are sparse" };
  return { identity, highest };
}

/** One worker thread and what it is doing. */
interface Reader {
  worker: Worker;
  busy: boolean;
}

/** A batch handed on, in range order. */
export type BatchSink = (batch: WorkerBatch) => Promise<void>;

/** Worker threads reading one database (see the module comment); {@link close} them in every case. */
export class ReadWorkers {
  private readonly readers: Reader[] = [];
  private failure: unknown;
  private wake: (() => void) | undefined;
  private readonly batches = new Map<number, WorkerBatch[]>();

  private constructor(private readonly rangeSize: number) {}

  /**
   * Starts `threads` workers on `database` and waits until each has its driver and its read
   * transaction. Each must reach the database `identity` names.
   * @throws BackupError INVALID_OPTIONS when a worker's driver reaches another database or the
   *   module is not usable; CONNECTION, AUTHENTICATION as the driver reports them.
   */
  static async start(
    options: ParallelReadOptions,
    database: string,
    identity: string,
    fetchSize: number | undefined,
  ): Promise<ReadWorkers> {
    const { threads, rangeSize } = resolveParallel(options);
    const workers = new ReadWorkers(rangeSize);
    const data: ReadWorkerData = {
      driverModule: moduleUrl(options.driverModule),
      driverData: options.driverData,
      database,
      fetchSize,
    };
    try {
      const ready: Promise<void>[] = [];
      for (let i = 0; i < threads; i++) {
        const worker = startWorker(data);
        const reader: Reader = { worker, busy: true };
        workers.readers.push(reader);
        ready.push(workers.listen(reader, database, identity));
      }
      await Promise.all(ready);
      return workers;
    } catch (error) {
      await workers.terminate();
      throw error;
    }
  }

  /** Resolves when the worker is ready; afterwards routes its messages. */
  private listen(reader: Reader, database: string, identity: string): Promise<void> {
    return new Promise((resolve, reject) => {
      let started = false;
      const fail = (error: unknown) => {
        this.failure ??= error;
        if (!started) reject(error);
        this.notify();
      };
      reader.worker.on("message", (message: WorkerMessage) => {
        if (message.type === "ready") {
          if (message.database !== database || message.identity !== identity) {
            fail(
              new BackupError(
                "INVALID_OPTIONS",
                `parallel.driverModule: a worker's driver reaches database ${message.database} (id ${message.identity ?? "unknown"}), not ${database} (id ${identity}) that is being read; it must connect to the same server`,
              ),
            );
            return;
          }
          started = true;
          reader.busy = false;
          resolve();
        } else if (message.type === "batch") {
          const list = this.batches.get(message.seq);
          if (list) list.push(message);
          else this.batches.set(message.seq, [message]);
          if (message.last) reader.busy = false;
          this.notify();
        } else if (message.type === "error") {
          fail(workerError(message));
        }
      });
      reader.worker.on("error", (error) =>
        fail(
          new BackupError(
            "WORKER_FAILED",
            `a read worker thread failed: ${error.message}; nothing was published`,
            {
              cause: error,
            },
          ),
        ),
      );
      reader.worker.on("exit", (code) => {
        if (this.closing) return;
        fail(
          new BackupError(
            "WORKER_FAILED",
            `a read worker thread stopped before the graph was read (exit code ${code}); nothing was published`,
          ),
        );
      });
    });
  }

  private closing = false;

  private notify(): void {
    const wake = this.wake;
    this.wake = undefined;
    wake?.();
  }

  private waitForMessage(signal: AbortSignal | undefined): Promise<void> {
    return new Promise((resolve) => {
      const onAbort = () => resolve();
      signal?.addEventListener("abort", onAbort, { once: true });
      this.wake = () => {
        signal?.removeEventListener("abort", onAbort);
        resolve();
      };
    });
  }

  /** Hands the node ids read to every worker, for leaving out relationships to nodes not in the file. */
  shareNodeIds(ids: IdSet): void {
    const pages = ids.integerPages();
    for (const { worker } of this.readers) worker.postMessage({ type: "nodes", pages });
  }

  /**
   * Reads ids 0 to `highest` of `kind` in ranges, handing every batch to `sink` in id order;
   * at most two ranges per worker are read ahead of the one being handed on.
   */
  async read(
    kind: ReadTask["kind"],
    highest: number,
    sink: BatchSink,
    signal?: AbortSignal,
    purpose: ReadPurpose = "lines",
  ): Promise<void> {
    const tasks = Math.ceil((highest + 1) / this.rangeSize);
    const window = 2 * this.readers.length;
    let sent = 0;
    let handed = 0;
    const dispatch = () => {
      for (const reader of this.readers) {
        if (sent >= tasks || sent - handed >= window) return;
        if (reader.busy) continue;
        const first = sent * this.rangeSize;
        const task: ReadTask = {
          type: "task",
          seq: sent,
          purpose,
          kind,
          first,
          last: Math.min(highest, first + this.rangeSize - 1),
        };
        reader.busy = true;
        reader.worker.postMessage(task);
        sent++;
      }
    };
    dispatch();
    while (handed < tasks) {
      if (this.failure) throw this.failure;
      if (signal?.aborted) throw new BackupError("ABORTED", "reading the graph was aborted");
      const list = this.batches.get(handed);
      const batch = list?.shift();
      if (!batch) {
        dispatch();
        await this.waitForMessage(signal);
        continue;
      }
      await sink(batch);
      if (batch.last) {
        this.batches.delete(handed);
        handed++;
      }
      dispatch();
    }
  }

  /** Commits the workers' read transactions and closes their drivers. */
  async close(): Promise<void> {
    this.closing = true;
    await Promise.all(
      this.readers.map(
        ({ worker }) =>
          new Promise<void>((resolve) => {
            worker.once("exit", () => resolve());
            worker.on("message", (message: WorkerMessage) => {
              if (message.type === "closed" || message.type === "error") void worker.terminate();
            });
            worker.postMessage({ type: "close" });
          }),
      ),
    );
  }

  /** Stops every worker at once (their connections close, the server rolls their reads back). */
  async terminate(): Promise<void> {
    this.closing = true;
    await Promise.all(this.readers.map(({ worker }) => worker.terminate()));
  }
}

/** The driver module as a URL: a path (relative ones from the working folder) or a URL as given. */
function moduleUrl(module: string | URL): string {
  if (module instanceof URL) return module.href;
  return /^[a-z][a-z0-9+.-]+:/i.test(module) ? module : pathToFileURL(resolve(module)).href;
}

/** The error a worker reported, as this thread would have thrown it. */
function workerError(message: Extract<WorkerMessage, { type: "error" }>): unknown {
  if (message.backupCode) return new BackupError(message.backupCode, message.message);
  const error = Object.assign(new Error(message.message), { name: message.name, code: message.code });
  return classifyDriverError(error, "a read worker");
}
