import { describe, expect, it } from "vitest";
import { RecordBody } from "../../src/backup/output.js";
import { BackupError } from "../../src/errors.js";
import {
  FingerprintBuilder,
  nodeHash,
  relationshipInnerHash,
  sortLabels,
} from "../../src/format/fingerprint.js";
import { IdSet } from "../../src/format/id-set.js";
import { ContentChecksum } from "../../src/format/records.js";
import type { EncodedValue } from "../../src/format/values.js";
import { denseEnough, resolveParallel } from "../../src/graph/parallel-read.js";

const nodeLines = [
  '{"_id":0,"_labels":["A"],"properties":{}}',
  '{"_id":1,"_labels":[],"properties":{"s":"a\\nb"}}',
];
const relLines = ['{"_id":0,"_type":"R","_start_id":0,"_end_id":1,"properties":{}}'];

/** What a body hands on, as text. */
async function bodyText(fill: (body: RecordBody) => Promise<void>): Promise<string> {
  const chunks: Buffer[] = [];
  const body = new RecordBody(async (chunk) => {
    chunks.push(chunk);
  });
  await fill(body);
  await body.close();
  return Buffer.concat(chunks).toString("utf8");
}

describe("the pieces a parallel backup hands lines on with", () => {
  it("a body given lines as one text writes the bytes of appending them one by one", async () => {
    const oneByOne = await bodyText(async (body) => {
      for (const line of nodeLines) await body.append(line);
      body.startRelationships();
      for (const line of relLines) await body.append(line);
    });
    const batched = await bodyText(async (body) => {
      await body.appendLines(`${nodeLines[0]}\n`);
      await body.appendLines("");
      await body.appendLines(`${nodeLines[1]}\n`);
      body.startRelationships();
      await body.appendLines(`${relLines.join("\n")}\n`);
    });
    expect(batched).toBe(oneByOne);
  });

  it("the content checksum of lines given as one text is that of the lines one by one", () => {
    const oneByOne = new ContentChecksum();
    for (const line of nodeLines) oneByOne.addNode(line);
    for (const line of relLines) oneByOne.addRelationship(line);
    const expected = oneByOne.digest();
    const batched = new ContentChecksum();
    batched.addNode(nodeLines[0]!);
    batched.addNodeLines(`${nodeLines[1]}\n`);
    batched.addRelationshipLines(`${relLines.join("\n")}\n`);
    expect(batched.digest()).toBe(expected);
    const other = new ContentChecksum();
    other.addNodeLines(`${nodeLines.join("\n")}\n`);
    other.addRelationshipLines(`${relLines[0]} \n`);
    expect(other.digest()).not.toBe(expected);
  });

  it("a fingerprint summed in parts on other threads is the fingerprint of one builder", () => {
    type Props = Record<string, EncodedValue>;
    const nodes: { id: number; labels: string[]; properties: Props }[] = [
      { id: 0, labels: ["B", "A"], properties: { x: 1 } },
      { id: 1, labels: [], properties: { s: "t" } },
      { id: 2, labels: ["A"], properties: {} },
      { id: 7, labels: ["C"], properties: { y: [1, 2] } },
    ];
    const rels: { type: string; start: number; end: number; properties: Props }[] = [
      { type: "R", start: 0, end: 1, properties: { w: 2 } },
      { type: "S", start: 2, end: 0, properties: {} },
      { type: "R", start: 7, end: 99, properties: {} }, // an end node that is not there
    ];
    const whole = new FingerprintBuilder();
    for (const n of nodes) whole.addNode(n.id, n.labels, n.properties);
    for (const r of rels) whole.addRelationship(r.type, r.start, r.end, r.properties);

    const parts = new FingerprintBuilder();
    for (const range of [nodes.slice(0, 3), nodes.slice(3)]) {
      const worker = new FingerprintBuilder();
      const ids: number[] = [];
      const hashes: number[] = [];
      for (const n of range) {
        const sorted = sortLabels(n.labels);
        const h = nodeHash(sorted, n.properties);
        worker.addNodeHash(n.id, sorted, h);
        ids.push(n.id);
        hashes.push(h);
      }
      parts.addNodeSums(worker.nodeSums(), Float64Array.from(ids), Float64Array.from(hashes));
    }
    for (const r of rels)
      parts.addRelationshipInner(r.type, r.start, r.end, relationshipInnerHash(r.type, r.properties));

    expect(parts.result()).toEqual(whole.result());
    expect(parts.unknownEndpoints).toBe(1);
    // the end nodes are part of a relationship's hash: swapping them changes the fingerprint
    const swapped = new FingerprintBuilder();
    for (const n of nodes) swapped.addNode(n.id, n.labels, n.properties);
    swapped.addRelationshipInner("R", 1, 0, relationshipInnerHash("R", { w: 2 }));
    swapped.addRelationshipInner("S", 2, 0, relationshipInnerHash("S", {}));
    swapped.addRelationshipInner("R", 7, 99, relationshipInnerHash("R", {}));
    expect(swapped.result().total).not.toBe(whole.result().total);
  });

  it("an id set handed over as bitset pages has the same ids and size", () => {
    const ids = new IdSet();
    const added = [0, 1, 31, 32, 65_535, 65_536, 1_000_003, 4_294_967_297];
    for (const id of added) ids.add(id);
    const copy = IdSet.fromIntegerPages(ids.integerPages());
    expect(copy.size).toBe(added.length);
    for (const id of added) expect(copy.has(id)).toBe(true);
    for (const id of [2, 30, 33, 65_537, 1_000_002]) expect(copy.has(id)).toBe(false);
  });

  it("reads by id ranges only where ids are dense", () => {
    expect(denseEnough(99_999, 100_000)).toBe(true);
    expect(denseEnough(399_999, 100_000)).toBe(true);
    expect(denseEnough(400_000, 100_000)).toBe(false);
    // small graphs: up to 100,000 ids more than records
    expect(denseEnough(100_009, 10)).toBe(true);
    expect(denseEnough(2 ** 40, 1_000_000)).toBe(false);
  });

  it("refuses bad parallel options by name", () => {
    const module = "/x/driver.mjs";
    expect(resolveParallel({ driverModule: module, threads: 2, rangeSize: 10 })).toEqual({
      threads: 2,
      rangeSize: 10,
    });
    for (const [options, message] of [
      [{ driverModule: module, threads: 0 }, /parallel\.threads/],
      [{ driverModule: module, threads: 1.5 }, /parallel\.threads/],
      [{ driverModule: module, rangeSize: 0 }, /parallel\.rangeSize/],
      [{ driverModule: "" }, /parallel\.driverModule/],
    ] as const) {
      const error = (() => {
        try {
          resolveParallel(options);
        } catch (e) {
          return e;
        }
      })();
      expect(error).toBeInstanceOf(BackupError);
      expect((error as BackupError).code).toBe("INVALID_OPTIONS");
      expect((error as BackupError).message).toMatch(message);
    }
  });
});
