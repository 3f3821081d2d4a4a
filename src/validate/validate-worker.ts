/**
 * The worker thread of a parallel validation: checks batches of record lines (record-batch.ts) and
 * posts each result back, in the order the batches came. Started by worker-pool.ts; built as an
 * entry of its own (dist/validate-worker.js and .cjs).
 */
import { parentPort } from "node:worker_threads";
import {
  type BatchResult,
  checkBatch,
  type RecordBatch,
  WORKER_READY,
  type WorkerState,
} from "./record-batch.js";

const port = parentPort;
if (port) {
  const state: WorkerState = { known: new Set() };
  port.on("message", (batch: RecordBatch) => {
    let result: BatchResult;
    try {
      result = checkBatch(batch, state);
    } catch (error) {
      port.postMessage({ error: String((error as Error)?.stack ?? error) });
      return;
    }
    port.postMessage(result, [result.hashes.buffer as ArrayBuffer]);
  });
  port.postMessage(WORKER_READY);
}
