/**
 * The record lines of this library's own files on their way to the file validator: on the
 * validator's thread while the file is small, then — once enough of it was read — in batches
 * checked by worker threads (record-batch.ts), several batches in flight, their results taken
 * strictly in file order. When the workers fall behind (their batches all in flight, the oldest
 * not answered), the validator's thread checks the next batch itself, with the same code, rather
 * than wait. Should the workers not start or fail, the lines are checked on the validator's
 * thread: the outcome is the same either way.
 */
import { availableParallelism } from "node:os";
import { type Location, parseRecordLine, type RawRecordEvent } from "../format/reader.js";
import { MAX_SAMPLES } from "../format/value-kinds.js";
import type { FileValidator } from "./file-validator.js";
import { type BatchResult, checkBatch, type RecordBatch, type WorkerState } from "./record-batch.js";
import { WorkerPool } from "./worker-pool.js";

/** When and how record lines are checked in worker threads. */
export interface ParallelOptions {
  /** Characters of record lines checked on the validator's thread before the workers are started. */
  startAfter: number;
  /** Wait for the workers to start (tests); otherwise lines go on being checked while they start. */
  waitForWorkers: boolean;
  /** How many workers. */
  workers: number;
  /** A batch holds at most this many lines… */
  batchLines: number;
  /** …and about this many characters. */
  batchChars: number;
  /** Batches given to each worker before the oldest result is awaited. */
  inFlightPerWorker: number;
  /** Another worker file than validate-worker next to worker-pool (tests of a worker that cannot start). */
  workerFile?: URL;
  /** Check every n-th batch on the validator's thread, whether or not the workers are behind (tests). */
  checkHereEvery?: number;
}

/**
 * The default: workers for files with more than 4 MiB of records, on machines with two cores or
 * more (with one, the validator's thread is all there is).
 */
export function defaultParallelOptions(): ParallelOptions | null {
  const cores = availableParallelism();
  if (cores < 2) return null;
  return {
    startAfter: 4 * 1024 * 1024,
    waitForWorkers: false,
    workers: cores - 1,
    batchLines: 1000,
    batchChars: 512 * 1024,
    inFlightPerWorker: 3,
  };
}

let warned = false;

/** Says once per process that validation runs on one thread, and why. */
function warnOnce(what: string, reason: Error): void {
  if (warned) return;
  warned = true;
  process.emitWarning(`validation runs on one thread: ${what} (${reason.message})`, {
    code: "NEO4J_BACKUP_VALIDATION_THREADS",
  });
}

/** A batch given to a worker (or checked here), until its result is applied. */
interface InFlight {
  batch: RecordBatch;
  result: Promise<BatchResult>;
  /** Whether the result has come. */
  settled: boolean;
  /** Checked on the validator's thread. */
  here: boolean;
}

/** Takes the record lines of one validation; see the module comment. */
export class RecordLines {
  private chars = 0;
  private starting: Promise<void> | undefined;
  private pool: WorkerPool | undefined;
  /** A batch failed in a worker (said once): its lines, and later ones, are checked on this thread. */
  private failed = false;
  private batch: RecordBatch | undefined;
  private batchChars = 0;
  private readonly inFlight: InFlight[] = [];
  /** Of those, the batches given to workers. */
  private workerBatches = 0;
  private nextWorker = 0;
  private dispatched = 0;
  /** Per worker (and last, for this thread), how many of the sampler's kinds it was told. */
  private kindsSent: number[] = [];
  /** What this thread keeps between the batches it checks itself. */
  private readonly here: WorkerState = { known: new Set() };

  private readonly options: ParallelOptions | null;

  constructor(
    private readonly validator: FileValidator,
    options: ParallelOptions | null,
    private readonly onRecord: () => void,
    private readonly signal: AbortSignal | undefined,
  ) {
    this.options = options && options.workers >= 1 ? options : null;
  }

  /** Takes one record line; a returned promise must be awaited before the next. */
  add(event: RawRecordEvent): Promise<void> | undefined {
    // once the workers run, every line goes through a batch (one that fails is checked here, in order)
    if (this.pool) return this.append(event);
    const { options } = this;
    this.chars += event.text.length;
    if (options && !this.starting && this.chars >= options.startAfter) {
      this.starting = this.start(options.workers, options.workerFile);
      if (options.waitForWorkers) {
        return this.starting.then(() => (this.pool ? this.append(event) : this.inline(event)));
      }
    }
    this.inline(event);
    return undefined;
  }

  private async start(workers: number, file: URL | undefined): Promise<void> {
    const pool = await WorkerPool.start(workers, file);
    if (pool instanceof Error) {
      warnOnce("its worker threads did not start", pool);
      return;
    }
    this.pool = pool;
    this.kindsSent = new Array(pool.size + 1).fill(0);
  }

  /** Checks one line on this thread, exactly as the single-thread validation does. */
  private inline(event: RawRecordEvent): void {
    const value = parseRecordLine(event.text, event.location, event.last);
    const { index, location } = event;
    this.validator.handle(
      event.kind === "rawNode"
        ? { kind: "node", value, index, location }
        : { kind: "relationship", value, index, location },
    );
    this.onRecord();
  }

  private append(event: RawRecordEvent): Promise<void> | undefined {
    const kind = event.kind === "rawNode" ? "node" : "relationship";
    if (this.batch && this.batch.kind !== kind) this.submit();
    this.batch ??= this.newBatch(kind, event);
    this.batch.texts.push(event.text);
    this.batchChars += event.text.length;
    if (event.last) this.batch.endsFile = true;
    const { batchLines, batchChars } = this.options!;
    if (this.batch.texts.length < batchLines && this.batchChars < batchChars) return undefined;
    return this.dispatch();
  }

  /**
   * Sends the full batch to a worker — or checks it here when the workers are behind — then applies
   * the results that have come (and the oldest in any case when twice the workers' share is in flight).
   */
  private dispatch(): Promise<void> | undefined {
    const { inFlightPerWorker, checkHereEvery } = this.options!;
    const limit = this.pool!.size * inFlightPerWorker;
    const forced = checkHereEvery !== undefined && ++this.dispatched % checkHereEvery === 0;
    const behind = this.workerBatches >= limit && this.inFlight[0]?.settled === false;
    if (forced || behind) this.checkHere();
    else this.submit();
    if (!this.inFlight[0]?.settled && this.inFlight.length < 2 * limit) return undefined;
    return this.applySettled();
  }

  /** Applies the oldest batch, and then every batch whose result has come. */
  private async applySettled(): Promise<void> {
    do await this.applyOldest();
    while (this.inFlight[0]?.settled);
  }

  private newBatch(kind: "node" | "relationship", first: RawRecordEvent): RecordBatch {
    const sampler = this.validator.sampler;
    return {
      kind,
      firstIndex: first.index,
      firstLine: first.location.line!,
      texts: [],
      endsFile: false,
      version: this.validator.formatVersion ?? 2,
      fingerprint: this.validator.fingerprinting,
      sampling: sampler !== undefined && sampler.size < MAX_SAMPLES,
      newKinds: [],
    };
  }

  /** The batch being filled, with the sample kinds found since checker `slot` was last told. */
  private take(slot: number): RecordBatch {
    const batch = this.batch!;
    this.batch = undefined;
    this.batchChars = 0;
    const sampler = this.validator.sampler;
    if (sampler && batch.sampling && sampler.size > this.kindsSent[slot]!) {
      batch.newKinds = sampler.kindsFrom(this.kindsSent[slot]!);
      this.kindsSent[slot] = sampler.size;
    }
    return batch;
  }

  /** Gives the batch being filled to the next worker. */
  private submit(): void {
    if (!this.batch) return;
    const pool = this.pool!;
    const worker = this.nextWorker++ % pool.size;
    const batch = this.take(worker);
    const entry: InFlight = { batch, result: pool.submit(worker, batch), settled: false, here: false };
    // also observes a batch still in flight when the validation stops
    const settle = () => {
      entry.settled = true;
    };
    entry.result.then(settle, settle);
    this.workerBatches++;
    this.inFlight.push(entry);
  }

  /** Checks the batch being filled on this thread; its result waits its turn like a worker's. */
  private checkHere(): void {
    const batch = this.take(this.pool!.size);
    let result: Promise<BatchResult>;
    try {
      result = Promise.resolve(checkBatch(batch, this.here));
    } catch (error) {
      result = Promise.reject(error);
      result.catch(() => undefined);
    }
    this.inFlight.push({ batch, result, settled: true, here: true });
  }

  /** Applies the oldest batch in flight; a record that does not parse throws the reader's error. */
  private async applyOldest(): Promise<void> {
    const { batch, result: pending, here } = this.inFlight.shift()!;
    if (!here) this.workerBatches--;
    let result: BatchResult | undefined;
    try {
      result = await pending;
    } catch (error) {
      // the batch is checked line by line below, which raises an error of the checks themselves
      if (!here && !this.signal?.aborted && !this.failed) warnOnce("a worker thread failed", error as Error);
      if (!here) this.failed = true;
    }
    this.signal?.throwIfAborted();
    if (result) this.validator.applyBatch(batch, result, this.onRecord);
    // the rest of the batch on this thread: after a stop, its first line throws the reader's error
    if (!result || result.stopped) {
      for (let i = result?.count ?? 0; i < batch.texts.length; i++) this.inline(lineEvent(batch, i));
    }
  }

  /** Applies every line taken so far, in order. */
  async drain(): Promise<void> {
    if (!this.pool) return;
    this.submit();
    while (this.inFlight.length > 0) await this.applyOldest();
  }

  /** Stops the workers (also while they start) and waits until their threads have exited. */
  async close(): Promise<void> {
    await this.starting;
    await this.pool?.close();
  }
}

/** The event of line `i` of a batch, as the reader gave it. */
function lineEvent(batch: RecordBatch, i: number): RawRecordEvent {
  const section = batch.kind === "node" ? "nodes" : "relationships";
  const location: Location = { line: batch.firstLine + i, path: `data.${section}[${batch.firstIndex + i}]` };
  return {
    kind: batch.kind === "node" ? "rawNode" : "rawRelationship",
    text: batch.texts[i]!,
    index: batch.firstIndex + i,
    location,
    last: batch.endsFile && i === batch.texts.length - 1,
  };
}
