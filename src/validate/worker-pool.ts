/**
 * The worker threads of a parallel validation: a few workers running validate-worker.ts, each taking
 * batches in the order it is given them and answering in that order. The worker file sits next to
 * this module — dist/validate-worker.js (ESM) or .cjs (CommonJS) in the package; running from the
 * TypeScript sources (tests, scripts under tsx), the worker loads its sources through tsx. A pool
 * that cannot start says why, and the validation then runs on its own thread.
 */
import { Worker } from "node:worker_threads";
import { type BatchResult, type RecordBatch, WORKER_READY } from "./record-batch.js";

let liveCount = 0;

/** Worker threads of validations that are running now (started and not yet exited), in this process. */
export function liveValidationWorkers(): number {
  return liveCount;
}

/**
 * Code that starts a worker from the TypeScript sources: registers tsx (a development dependency,
 * found from the worker file), then imports the worker.
 */
function sourceBootstrap(worker: URL): string {
  const href = JSON.stringify(worker.href);
  return `const { createRequire } = await import("node:module");
const { readFileSync } = await import("node:fs");
const { pathToFileURL } = await import("node:url");
const manifest = createRequire(${href}).resolve("tsx/package.json");
const api = JSON.parse(readFileSync(manifest, "utf8")).exports["./esm/api"].import.default;
const { register } = await import(new URL(api, pathToFileURL(manifest)).href);
register();
await import(${href});`;
}

/** The worker file: next to this module, with this module's extension. */
function workerFile(): URL {
  const here = import.meta.url;
  return new URL(`./validate-worker${here.slice(here.lastIndexOf("."))}`, here);
}

/** Starts one worker on `file` (TypeScript through tsx). */
function spawnWorker(file: URL): Worker {
  if (file.pathname.endsWith(".ts")) return new Worker(sourceBootstrap(file), { eval: true });
  return new Worker(file);
}

interface Pending {
  resolve: (result: BatchResult) => void;
  reject: (error: Error) => void;
}

/** One worker and the batches it has not answered yet. */
class PooledWorker {
  private readonly pending: Pending[] = [];
  private failure: Error | undefined;
  private onReady: ((ready: boolean) => void) | undefined;
  /** True once the worker is loaded and listening; false when it failed first. */
  readonly ready: Promise<boolean>;
  /** Settles when the thread has stopped. */
  readonly exited: Promise<void>;

  constructor(private readonly worker: Worker) {
    liveCount++;
    this.ready = new Promise((resolve) => {
      this.onReady = resolve;
    });
    this.exited = new Promise((resolve) => {
      worker.once("exit", (code) => {
        liveCount--;
        this.fail(new Error(`the validation worker stopped (exit code ${code})`));
        resolve();
      });
    });
    worker.on("error", (error) => this.fail(error));
    worker.on("message", (message: BatchResult | typeof WORKER_READY) => this.receive(message));
  }

  private receive(message: BatchResult | typeof WORKER_READY): void {
    if (message === WORKER_READY) {
      this.onReady?.(true);
      return;
    }
    const next = this.pending.shift();
    if (!next) return;
    if (message.error !== undefined) next.reject(new Error(message.error));
    else next.resolve(message);
  }

  private fail(error: Error): void {
    this.failure ??= error;
    this.onReady?.(false);
    for (const next of this.pending.splice(0)) next.reject(this.failure);
  }

  /** Why the worker cannot take batches, if it cannot. */
  get error(): Error | undefined {
    return this.failure;
  }

  submit(batch: RecordBatch): Promise<BatchResult> {
    if (this.failure) return Promise.reject(this.failure);
    return new Promise((resolve, reject) => {
      this.pending.push({ resolve, reject });
      this.worker.postMessage(batch);
    });
  }

  async terminate(): Promise<void> {
    this.fail(new Error("the validation worker was stopped"));
    await this.worker.terminate();
    await this.exited;
  }
}

/** A fixed set of validation workers. */
export class WorkerPool {
  private constructor(private readonly workers: PooledWorker[]) {}

  /**
   * Starts `size` workers and waits until each is ready.
   * @param file - the worker file; default validate-worker next to this module.
   * @returns the pool, or the reason it could not start (every worker already stopped then).
   */
  static async start(size: number, file: URL = workerFile()): Promise<WorkerPool | Error> {
    const workers: PooledWorker[] = [];
    try {
      for (let i = 0; i < size; i++) workers.push(new PooledWorker(spawnWorker(file)));
    } catch (error) {
      await Promise.all(workers.map((w) => w.terminate()));
      return error as Error;
    }
    const pool = new WorkerPool(workers);
    const ready = await Promise.all(workers.map((w) => w.ready));
    if (ready.every(Boolean)) return pool;
    const reason = workers.find((w) => w.error)?.error ?? new Error("a validation worker did not start");
    await pool.close();
    return reason;
  }

  /** How many workers there are. */
  get size(): number {
    return this.workers.length;
  }

  /** Gives a batch to worker `index`; its results come in the order its batches were given. */
  submit(index: number, batch: RecordBatch): Promise<BatchResult> {
    return this.workers[index]!.submit(batch);
  }

  /** Stops every worker and waits until their threads have exited; batches not answered fail. */
  async close(): Promise<void> {
    await Promise.all(this.workers.map((w) => w.terminate()));
  }
}
