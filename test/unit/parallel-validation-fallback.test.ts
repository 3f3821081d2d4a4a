/**
 * Validation whose worker threads cannot start runs on one thread, with the same report, and says
 * so once in a process warning. (A file of its own: the warning is given once per process.)
 */
import { afterAll, beforeAll, expect, it } from "vitest";
import type { ParallelOptions } from "../../src/validate/parallel-records.js";
import { validateWith } from "../../src/validate/validate-backup.js";
import { liveValidationWorkers } from "../../src/validate/worker-pool.js";
import { buildDocument, chunks, sampleNodes, sampleRelationships } from "../support/documents.js";

const warnings: string[] = [];
const onWarning = (warning: Error) => warnings.push(warning.message);
beforeAll(() => {
  process.on("warning", onWarning);
});
afterAll(() => {
  process.off("warning", onWarning);
});

it("falls back to one thread when the worker file cannot be loaded", { timeout: 60_000 }, async () => {
  const missing: ParallelOptions = {
    startAfter: 0,
    waitForWorkers: true,
    workers: 2,
    batchLines: 2,
    batchChars: 4096,
    inFlightPerWorker: 2,
    workerFile: new URL("./no-such-worker.js", import.meta.url),
  };
  const nodes = [...sampleNodes, { _id: 9, _labels: ["X"], properties: { when: { $date: "2024-02-30x" } } }];
  const document = buildDocument(nodes, sampleRelationships);
  const options = { fingerprint: true, sampleValues: true };
  const single = await validateWith({ ...options, source: chunks(document) }, null);
  const fallback = await validateWith({ ...options, source: chunks(document) }, missing);
  expect(fallback).toStrictEqual(single);
  expect(single.problems.map((p) => p.code)).toContain("VALUE");
  expect(liveValidationWorkers()).toBe(0);
  await validateWith({ ...options, source: chunks(document) }, missing);
  await new Promise((resolve) => setImmediate(resolve));
  expect(warnings).toHaveLength(1);
  expect(warnings[0]).toMatch(/validation runs on one thread: its worker threads did not start/);
});

it("checks the batches of a worker that fails or stops on its own thread, in order", {
  timeout: 60_000,
}, async () => {
  const failing: ParallelOptions = {
    startAfter: 0,
    waitForWorkers: true,
    workers: 1,
    batchLines: 1,
    batchChars: 4096,
    inFlightPerWorker: 3,
    workerFile: new URL("../support/failing-validation-worker.mjs", import.meta.url),
  };
  const rels = [...sampleRelationships, { _id: 5, _type: "USES", _start_id: 0, _end_id: 99, properties: {} }];
  const document = buildDocument([...sampleNodes, { ...sampleNodes[0]!, properties: {} }], rels);
  const options = { fingerprint: true, sampleValues: true };
  const single = await validateWith({ ...options, source: chunks(document) }, null);
  const fallback = await validateWith({ ...options, source: chunks(document) }, failing);
  expect(fallback).toStrictEqual(single);
  expect(single.problems.map((p) => p.code).sort()).toEqual(["DANGLING_RELATIONSHIP", "DUPLICATE_ID"]);
  expect(liveValidationWorkers()).toBe(0);
});
