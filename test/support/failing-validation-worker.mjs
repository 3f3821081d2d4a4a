// A validation worker that starts, answers its first batch with an error and stops at its second:
// the validator must check those batches itself (test/unit/parallel-validation-fallback.test.ts).
import { parentPort } from "node:worker_threads";

let batches = 0;
parentPort.on("message", () => {
  batches++;
  if (batches === 1) parentPort.postMessage({ error: "a failure inside the worker" });
  else process.exit(3);
});
parentPort.postMessage("ready");
