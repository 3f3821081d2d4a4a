/**
 * Validation with record lines checked in worker threads gives the very report of the single-thread
 * validation — valid files and files with every kind of problem, with fingerprint and value samples —
 * and leaves no worker running, whatever way it ends.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { sampleNodeBatches, sampleRelationshipBatches } from "../../scripts/sample-graph/index.js";
import {
  FingerprintBuilder,
  NodeHashSummer,
  nodeHash,
  relationshipInnerHash,
} from "../../src/format/fingerprint.js";
import type { NodeRecord, RelationshipRecord } from "../../src/format/records.js";
import { encodeProperties } from "../../src/format/values.js";
import type { ParallelOptions } from "../../src/validate/parallel-records.js";
import { type ValidateBackupOptions, validateWith } from "../../src/validate/validate-backup.js";
import { liveValidationWorkers } from "../../src/validate/worker-pool.js";
import { buildDocument, chunks } from "../support/documents.js";

/**
 * Workers from the first line, small batches so that every file spans many, two in flight per
 * worker, every third batch checked on the validator's thread.
 */
const FORCED: ParallelOptions = {
  startAfter: 0,
  waitForWorkers: true,
  workers: 2,
  batchLines: 37,
  batchChars: 4096,
  inFlightPerWorker: 2,
  checkHereEvery: 3,
};
/** The first few kilobytes on one thread, the rest in workers (and here when they fall behind). */
const MIDWAY: ParallelOptions = {
  ...FORCED,
  startAfter: 20_000,
  batchLines: 200,
  batchChars: 1 << 20,
  checkHereEvery: undefined,
};

const warnings: string[] = [];
const onWarning = (warning: Error) => warnings.push(warning.message);
beforeAll(() => {
  process.on("warning", onWarning);
});
afterAll(() => {
  process.off("warning", onWarning);
});

/** The sample graph as format-2 records: domain nodes and relationships and the special content. */
function sampleRecords(nodes: number): { nodes: NodeRecord[]; relationships: RelationshipRecord[] } {
  const options = { seed: 7, nodes, capabilities: { vector: true } };
  const nodeRecords: NodeRecord[] = [];
  for (const batch of sampleNodeBatches(options, 1000)) {
    for (const n of batch) {
      nodeRecords.push({ _id: n.key, _labels: [...n.labels], properties: encodeProperties(n.properties) });
    }
  }
  const relationships: RelationshipRecord[] = [];
  for (const batch of sampleRelationshipBatches(options, 1000)) {
    for (const r of batch) {
      relationships.push({
        _id: r.key,
        _type: r.type,
        _start_id: r.start,
        _end_id: r.end,
        properties: encodeProperties(r.properties),
      });
    }
  }
  return { nodes: nodeRecords, relationships };
}

const sample = sampleRecords(1200);
const goodDocument = buildDocument(sample.nodes, sample.relationships);
const lines = goodDocument.split("\n");
/** Line numbers (1-based) of the first node and the first relationship. */
const firstNodeLine = 3;
const firstRelationshipLine = firstNodeLine + sample.nodes.length + 2;

/** The document with some of its lines (numbered from 1) changed. */
function edited(change: (lines: string[]) => void, from = lines): string {
  const copy = [...from];
  change(copy);
  return copy.join("\n");
}

/** Replaces `from` with `to` in line `n` (1-based), which must hold it. */
function replaceIn(copy: string[], n: number, from: string | RegExp, to: string): void {
  const before = copy[n - 1]!;
  copy[n - 1] = before.replace(from, to);
  expect(copy[n - 1], `line ${n}`).not.toBe(before);
}

async function validateBoth(
  content: string | Buffer,
  options: Omit<ValidateBackupOptions, "source" | "storage" | "name"> = {},
  parallel: ParallelOptions = FORCED,
) {
  const run = (p: ParallelOptions | null) =>
    validateWith({ ...options, fingerprint: true, sampleValues: true, source: chunks(content, 4093) }, p);
  const single = await run(null);
  const threaded = await run(parallel);
  expect(JSON.stringify(threaded)).toBe(JSON.stringify(single));
  expect(threaded).toStrictEqual(single);
  expect(liveValidationWorkers()).toBe(0);
  await new Promise((resolve) => setImmediate(resolve));
  expect(warnings).toEqual([]);
  return single;
}

// workers started from the sources compile them first: a second or so each time
describe("parallel validation gives the single-thread report", { timeout: 60_000 }, () => {
  it("for a valid file, with its fingerprint, value samples and vectors", async () => {
    const report = await validateBoth(goodDocument);
    expect(report.valid).toBe(true);
    expect(report.layout).toBe("lines");
    expect(report.usesVectors).toBe(true);
    expect(report.valueSamples!.length).toBeGreaterThan(10);
    expect(report.fingerprint!.relationships).toBe(sample.relationships.length);
    await validateBoth(goodDocument, {}, MIDWAY);
  });

  it("really uses the workers", async () => {
    let seen = 0;
    async function* watched(): AsyncGenerator<Buffer> {
      for await (const chunk of chunks(goodDocument, 65536)) {
        seen = Math.max(seen, liveValidationWorkers());
        yield chunk;
      }
    }
    const report = await validateWith({ source: watched(), fingerprint: true }, FORCED);
    expect(report.valid).toBe(true);
    expect(seen).toBe(2);
    expect(liveValidationWorkers()).toBe(0);
  });

  it("for bad values and wrong record shapes, in nodes and relationships", async () => {
    const report = await validateBoth(
      edited((copy) => {
        replaceIn(
          copy,
          firstNodeLine + 5,
          /"properties":\{/,
          '"properties":{"when":{"$date":"2024-02-30x"},',
        );
        replaceIn(copy, firstNodeLine + 100, /"_labels":\[[^\]]*\]/, '"_labels":"Function"');
        replaceIn(copy, firstNodeLine + 101, /"properties":\{/, '"properties":{"n":{"$int":"1x"},');
        replaceIn(copy, firstRelationshipLine + 3, /"properties":\{/, '"properties":{"p":{"$point":{}},');
        replaceIn(copy, firstRelationshipLine + 400, /"_type":"[^"]*"/, '"_type":""');
      }),
    );
    expect(report.problems.map((p) => p.code)).toEqual(
      expect.arrayContaining(["VALUE", "SCHEMA", "CHECKSUM"]),
    );
  });

  it("for duplicate ids and dangling relationships", async () => {
    const report = await validateBoth(
      edited((copy) => {
        copy.splice(firstNodeLine + 50, 0, copy[firstNodeLine + 10]!);
        const at = firstRelationshipLine + 1 + 200;
        replaceIn(copy, at, /"_end_id":\d+/, '"_end_id":99999999');
        replaceIn(copy, at + 1, /"_start_id":\d+/, '"_start_id":"missing"');
        copy.splice(at + 300, 0, copy[at + 299]!);
      }),
    );
    expect(report.danglingRelationships).toBe(2);
    expect(report.problems.filter((p) => p.code === "DUPLICATE_ID")).toHaveLength(2);
  });

  it("for counts that disagree and a changed value (checksum)", async () => {
    const report = await validateBoth(
      buildDocument(sample.nodes, sample.relationships, (m, s) => {
        m.node_count = 4;
        s.label_counts.Function = 1;
        s.relationship_type_counts.USES = 3;
      }),
    );
    expect(report.problems.some((p) => p.code === "COUNT_MISMATCH")).toBe(true);
    const changed = await validateBoth(
      edited((copy) => replaceIn(copy, firstRelationshipLine + 700, /"_type":"/, '"_type":"X')),
    );
    expect(changed.problems.map((p) => p.code)).toContain("CHECKSUM");
  });

  it("for lines that are not canonical (keys reordered, spaces)", async () => {
    const report = await validateBoth(
      edited((copy) => {
        const node = JSON.parse(copy[firstNodeLine + 20]!.replace(/,$/, ""));
        copy[firstNodeLine + 20] =
          `${JSON.stringify({ properties: node.properties, _labels: node._labels, _id: node._id })},`;
        replaceIn(copy, firstRelationshipLine + 20, /^\{/, "{ ");
      }),
    );
    expect(report.valid).toBe(true);
  });

  it("for a syntax error mid-file, problems before it included", async () => {
    for (const at of [firstNodeLine + 300, firstRelationshipLine + 2000]) {
      const report = await validateBoth(
        edited((copy) => {
          replaceIn(copy, firstNodeLine + 7, /"properties":\{/, '"properties":{"when":{"$date":"x"},');
          replaceIn(copy, at, /\}\s*,$/, ",");
        }),
      );
      expect(report.problems.map((p) => p.code)).toEqual(["VALUE", "SYNTAX"]);
      expect(report.problems[1]!.location.line).toBe(at);
    }
  });

  it("for errors of the reader while batches are in flight: invalid UTF-8, a missing comma", async () => {
    const bytes = Buffer.from(goodDocument, "utf8");
    bytes[bytes.indexOf('"_type"', Math.floor(bytes.length / 2))] = 0xff;
    expect((await validateBoth(bytes)).problems.at(-1)!.message).toMatch(/UTF-8/);
    const noComma = edited((copy) => replaceIn(copy, firstNodeLine + 600, /,$/, ""));
    expect((await validateBoth(noComma)).problems.at(-1)!.message).toMatch(/missing comma/);
    const both = edited((copy) => {
      replaceIn(copy, firstNodeLine + 598, /\}\s*,$/, ",");
      replaceIn(copy, firstNodeLine + 600, /,$/, "");
    });
    expect((await validateBoth(both)).problems.at(-1)!.message).toMatch(/invalid JSON/);
  });

  it("for a file cut off anywhere", async () => {
    for (const tenth of [1, 5, 9]) {
      const cut = goodDocument.slice(0, Math.floor((goodDocument.length * tenth) / 10) + tenth);
      const report = await validateBoth(cut);
      expect(report.problems.at(-1)!.code, `cut at ${tenth}/10`).toBe("SYNTAX");
    }
  });

  it("for more problems than maxProblems", async () => {
    const many = edited((copy) => {
      for (let n = firstNodeLine + 2; n < firstNodeLine + 900; n += 7) {
        replaceIn(copy, n, /"properties":\{/, '"properties":{"when":{"$date":"2024-13-01"},');
      }
    });
    const report = await validateBoth(many, { maxProblems: 5 });
    expect(report.problems).toHaveLength(5);
    expect(report.omittedProblems).toBeGreaterThan(100);
  });

  it("for relationships before nodes (a layout read on one thread)", async () => {
    const parsed = JSON.parse(goodDocument);
    const data = parsed.data;
    parsed.data = { relationships: data.relationships, nodes: data.nodes, statistics: data.statistics };
    const report = await validateBoth(JSON.stringify(parsed, null, 1));
    expect(report.relationshipsFirst).toBe(true);
  });
});

describe("the workers end", { timeout: 60_000 }, () => {
  it("after a storage error mid-file", async () => {
    async function* failing(): AsyncGenerator<Buffer> {
      let sent = 0;
      for await (const chunk of chunks(goodDocument, 4096)) {
        yield chunk;
        sent += chunk.length;
        if (sent > goodDocument.length / 2) throw new Error("disk went away");
      }
    }
    await expect(validateWith({ source: failing(), fingerprint: true }, FORCED)).rejects.toMatchObject({
      code: "STORAGE",
    });
    expect(liveValidationWorkers()).toBe(0);
  });

  it("after an abort", async () => {
    const controller = new AbortController();
    async function* slow(): AsyncGenerator<Buffer> {
      let sent = 0;
      for await (const chunk of chunks(goodDocument, 4096)) {
        yield chunk;
        sent += chunk.length;
        if (sent > goodDocument.length / 3) controller.abort();
      }
    }
    await expect(
      validateWith({ source: slow(), fingerprint: true, signal: controller.signal }, FORCED),
    ).rejects.toMatchObject({ code: "ABORTED" });
    expect(liveValidationWorkers()).toBe(0);
  });

  it("after a syntax error stops the validation early", async () => {
    const report = await validateWith(
      {
        source: chunks(
          edited((copy) => replaceIn(copy, firstNodeLine + 40, /\}\s*,$/, ",")),
          4096,
        ),
      },
      FORCED,
    );
    expect(report.problems[0]!.code).toBe("SYNTAX");
    expect(liveValidationWorkers()).toBe(0);
  });
});

describe("the fingerprint from parts computed apart", () => {
  it("equals the fingerprint built record by record", () => {
    const whole = new FingerprintBuilder();
    const parts = new FingerprintBuilder();
    const summers = [new NodeHashSummer(), new NodeHashSummer()];
    sample.nodes.forEach((n, i) => {
      whole.addNode(n._id, n._labels, n.properties);
      const sorted = [...n._labels].sort();
      const hash = nodeHash(sorted, n.properties);
      summers[i % 2]!.add(sorted, hash);
      parts.setNodeHash(n._id, hash);
    });
    for (const summer of summers) parts.addNodeSums(summer.sums());
    for (const r of sample.relationships) {
      whole.addRelationship(r._type, r._start_id, r._end_id, r.properties);
      parts.addRelationshipHash(
        r._type,
        r._start_id,
        r._end_id,
        relationshipInnerHash(r._type, r.properties),
      );
    }
    whole.addRelationship("R", 0, 123456789, {});
    parts.addRelationshipHash("R", 0, 123456789, relationshipInnerHash("R", {}));
    expect(parts.result()).toEqual(whole.result());
    expect(parts.unknownEndpoints).toBe(1);
  });
});
