/**
 * Damaged and hostile backup files. Validation names each problem with its location, restore
 * refuses before writing anything, nothing crashes or hangs; crafted names are stored verbatim.
 */
import fc from "fast-check";
import type { Driver } from "neo4j-driver";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { clearDatabase, loadSampleGraph } from "../../scripts/sample-graph/index.js";
import {
  type BackupStorage,
  createBackup,
  fingerprintDatabase,
  MemoryStorage,
  restoreBackup,
  type ValidationReport,
  validateBackup,
  verifyBackup,
} from "../../src/index.js";
import { buildDocument, chunks } from "../support/documents.js";
import { driverFor, testServers } from "../support/servers.js";
import { record } from "./support/results.js";

const NAME = "bad_20250101_000000.json";

async function* bytesOf(data: Buffer): AsyncGenerator<Buffer> {
  for (let i = 0; i < data.length; i += 1 << 20) yield data.subarray(i, i + (1 << 20));
}

async function readAll(storage: BackupStorage, name: string): Promise<Buffer> {
  const parts: Buffer[] = [];
  for await (const c of await storage.read(name)) parts.push(Buffer.from(c));
  return Buffer.concat(parts);
}

/** A tiny deterministic random generator (the trials must be the same in every run). */
function random(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s * 1664525 + 1013904223) >>> 0;
    return s / 2 ** 32;
  };
}

describe.each(testServers())("bad files on Neo4j $version ($label)", (server) => {
  let driver: Driver;
  let base: Buffer;
  let baseFingerprint: string;
  let printA: string;

  beforeAll(async () => {
    driver = driverFor(server);
    await clearDatabase(driver);
    await loadSampleGraph(driver, { seed: 71, nodes: 300, special: false });
    const storage = new MemoryStorage();
    const made = await createBackup({ driver, storage, reason: "base" });
    base = await readAll(storage, made.name);
    baseFingerprint = (await validateBackup({ storage, name: made.name, fingerprint: true })).fingerprint!
      .total;
    await clearDatabase(driver);
    await loadSampleGraph(driver, { seed: 72, nodes: 200, special: false });
    printA = (await fingerprintDatabase(driver)).total;
  });

  afterAll(async () => {
    await driver?.close();
  });

  /** Validation flags the file with a location; a replace restore refuses it and writes nothing. */
  async function refused(data: Buffer, label: string): Promise<ValidationReport> {
    const storage = new MemoryStorage();
    await storage.write(NAME, bytesOf(data));
    const report = await validateBackup({ storage, name: NAME });
    expect(report.valid, label).toBe(false);
    const first = report.problems.find((p) => p.severity === "error")!;
    expect(first.location.path, label).not.toBe("");
    const error = await restoreBackup({ driver, storage, name: NAME, mode: "replace" }).catch((e) => e);
    expect(error.code, label).toBe("VALIDATION_FAILED");
    expect(
      (await storage.list()).map((f) => f.name),
      `${label}: no safety backup either`,
    ).toEqual([NAME]);
    expect((await fingerprintDatabase(driver)).total, label).toBe(printA);
    return report;
  }

  it("truncation at every tenth of the file", async () => {
    let passed = 0;
    for (let i = 0; i < 10; i++) {
      const report = await refused(base.subarray(0, Math.floor((base.length * i) / 10)), `cut at ${i}/10`);
      expect(report.problems[0]!.message.length).toBeGreaterThan(0);
      passed++;
    }
    record({
      area: "bad file",
      scenario: "truncated at 0 %, 10 %, … 90 % of its length",
      server: server.version,
      trials: 10,
      passed,
      checked: "reported with a location; restore refused; database and storage unchanged",
    });
  });

  it("random bit flips in the data", async () => {
    const next = random(12345);
    const dataStart = base.indexOf("\n") + 1;
    let passed = 0;
    let harmless = 0;
    const trials = 40;
    for (let i = 0; i < trials; i++) {
      const copy = Buffer.from(base);
      const at = dataStart + Math.floor(next() * (copy.length - dataStart));
      copy[at] = copy[at]! ^ (1 << Math.floor(next() * 8));
      const storage = new MemoryStorage();
      await storage.write(NAME, bytesOf(copy));
      const report = await validateBackup({ storage, name: NAME, fingerprint: true });
      if (report.valid) {
        // a flip that does not change the data (e.g. 1e5 → 1E5) may pass: the content must be identical
        expect(report.fingerprint!.total, `flip at ${at}`).toBe(baseFingerprint);
        harmless++;
      } else {
        await refused(copy, `flip at ${at}`);
      }
      passed++;
    }
    record({
      area: "bad file",
      scenario: "one random bit flipped in the data section (seeded)",
      server: server.version,
      trials,
      passed,
      checked:
        "refused with a location, or (when the flip does not change any value) the content fingerprint is unchanged",
      notes: `${trials - harmless} refused, ${harmless} harmless`,
    });
  });

  it("wrong types, duplicate ids, dangling relationships, invalid UTF-8, deep nesting, colliding v1 keys", async () => {
    const text = buildDocument();
    const cases: [string, Buffer, RegExp][] = [
      [
        "an integer given as a number string",
        Buffer.from(text.replace('"usage_count":142', '"usage_count":{"$int":142}')),
        /\$int|string/i,
      ],
      [
        "labels as a string",
        Buffer.from(text.replace('"_labels":["Function"]', '"_labels":"Function"')),
        /_labels/,
      ],
      [
        "a date that is not a date",
        Buffer.from(text.replace('"name":"system.db.runQuery"', '"name":{"$date":"2025-02-30"}')),
        /date/i,
      ],
      ["a boolean id", Buffer.from(text.replace('{"_id":7,', '{"_id":true,')), /_id/],
      ["a duplicate node id", Buffer.from(text.replace('{"_id":7,', '{"_id":1,')), /duplicate/i],
      [
        "a dangling relationship",
        Buffer.from(text.replace('"_start_id":0,"_end_id":1', '"_start_id":0,"_end_id":99')),
        /not in the file/,
      ],
      [
        "invalid UTF-8",
        Buffer.concat([
          Buffer.from(text.slice(0, text.indexOf("readBlocking"))),
          Buffer.from([0xc3, 0x28]),
          Buffer.from(text.slice(text.indexOf("readBlocking"))),
        ]),
        /UTF-8/,
      ],
      [
        "nesting 100,000 deep",
        Buffer.from(
          text.replace('"usage_count":142', `"usage_count":${"[".repeat(100_000)}${"]".repeat(100_000)}`),
        ),
        /./,
      ],
      [
        "a version-1 record whose property collides with _id",
        Buffer.from(
          JSON.stringify(
            {
              metadata: { node_count: 1, relationship_count: 0 },
              data: { nodes: [{ _id: 1, _labels: ["A"] }], relationships: [] },
            },
            null,
            2,
          ).replace('"_id": 1,', '"_id": 1, "name": "x", "_id": 2,'),
        ),
        /duplicate key "_id"/,
      ],
    ];
    let passed = 0;
    for (const [label, data, expected] of cases) {
      const report = await refused(data, label);
      expect(report.problems.map((p) => `${p.message} @${p.location.path}`).join(" | "), label).toMatch(
        expected,
      );
      passed++;
    }
    record({
      area: "bad file",
      scenario:
        "wrong types, booleans as ids, duplicate ids, dangling relationships, invalid UTF-8, 100k-deep nesting, colliding v1 keys",
      server: server.version,
      trials: cases.length,
      passed,
      checked: "each reported with its line and path; restore refused; database and storage unchanged",
    });
  });

  it("a 100 MB string: unterminated it is refused, whole it is read with memory bounded by the record", async () => {
    const big = "x".repeat(100 * 1024 * 1024);
    const text = buildDocument();
    const before = process.memoryUsage().rss;
    const unterminated = Buffer.from(text.replace('"system.db.runQuery"', `"${big}`));
    const report = await refused(unterminated, "unterminated 100 MB string");
    expect(report.problems[0]!.location.line).toBe(4);
    const whole = buildDocument([{ _id: 0, _labels: ["Big"], properties: { text: big } }], []);
    const storage = new MemoryStorage();
    await storage.write(NAME, bytesOf(Buffer.from(whole)));
    const ok = await validateBackup({ storage, name: NAME });
    expect(ok.valid).toBe(true);
    const grownMb = Math.round((process.memoryUsage().rss - before) / 1e6);
    record({
      area: "bad file",
      scenario: "a 100 MB string (unterminated, and whole)",
      server: server.version,
      trials: 2,
      passed: 2,
      checked: "unterminated: refused at its line; whole: valid, no crash",
      notes: `process RSS grew ${grownMb} MB while holding the test documents`,
    });
  });

  it("labels, types, keys and index names crafted to inject Cypher are stored verbatim, and nothing else runs", async () => {
    const evil = {
      label: "Evil` SET n.pwned = true WITH n MATCH (m) DETACH DELETE m //",
      type: "R`]->() DETACH DELETE a //",
      key: "k`} DETACH DELETE n //",
    };
    const text = buildDocument(
      [
        { _id: 0, _labels: [evil.label], properties: { [evil.key]: "v" } },
        { _id: 1, _labels: ["Plain"], properties: { name: "kept" } },
      ],
      [{ _id: 0, _type: evil.type, _start_id: 0, _end_id: 1, properties: { [evil.key]: 1 } }],
    );
    const storage = new MemoryStorage();
    await storage.write(NAME, chunks(text, 4096));
    await clearDatabase(driver);
    const result = await restoreBackup({ driver, storage, name: NAME });
    expect(result.verification?.equal).toBe(true);
    const labels = (
      await driver.executeQuery("CALL db.labels() YIELD label RETURN collect(label) AS l")
    ).records[0]!.get("l");
    expect(labels).toEqual(expect.arrayContaining([evil.label, "Plain"]));
    const types = (
      await driver.executeQuery(
        "CALL db.relationshipTypes() YIELD relationshipType RETURN collect(relationshipType) AS t",
      )
    ).records[0]!.get("t");
    expect(types).toContain(evil.type);
    const counts = await driver.executeQuery("MATCH (n) RETURN count(n) AS n, count(n.pwned) AS pwned");
    expect(counts.records[0]!.get("n").toNumber()).toBe(2);
    expect(counts.records[0]!.get("pwned").toNumber()).toBe(0);
    expect((await verifyBackup({ driver, storage, name: NAME })).equal).toBe(true);
    // back to A for the other tests
    await clearDatabase(driver);
    await loadSampleGraph(driver, { seed: 72, nodes: 200, special: false });
    record({
      area: "bad file",
      scenario: "labels, relationship types and property keys crafted to inject Cypher",
      server: server.version,
      trials: 1,
      passed: 1,
      checked: "restored verbatim (verified), no injected clause ran",
    });
  });
});

describe("reader fuzzing (no server)", () => {
  it("fuzzing the reader: random edits never crash, hang or pass off changed data as valid", async () => {
    const small = Buffer.from(buildDocument());
    const smallPrint = (await validateBackup({ source: bytesOf(small), fingerprint: true })).fingerprint!
      .total;
    let runs = 0;
    let refusedCount = 0;
    await fc.assert(
      fc.asyncProperty(
        fc.array(
          fc.record({
            at: fc.nat({ max: small.length - 1 }),
            remove: fc.nat({ max: 8 }),
            insert: fc.uint8Array({ maxLength: 8 }),
          }),
          { minLength: 1, maxLength: 4 },
        ),
        async (edits) => {
          let data = Buffer.from(small);
          for (const e of edits) {
            const at = Math.min(e.at, data.length);
            data = Buffer.concat([data.subarray(0, at), Buffer.from(e.insert), data.subarray(at + e.remove)]);
          }
          const report = await validateBackup({ source: bytesOf(data), fingerprint: true });
          runs++;
          if (report.valid) expect(report.fingerprint!.total).toBe(smallPrint);
          else {
            refusedCount++;
            expect(report.problems[0]!.location.path).not.toBe("");
          }
        },
      ),
      { numRuns: 500, seed: 20261125 },
    );
    record({
      area: "bad file",
      scenario: "fuzzed files (fast-check: 1–4 random byte edits, fixed seed and budget)",
      server: "none",
      trials: runs,
      passed: runs,
      checked: "validation always returns a report; anything accepted has the original content fingerprint",
      notes: `${refusedCount} refused, ${runs - refusedCount} unchanged in content`,
    });
  });
});
