/**
 * Damaged and hostile backup files. Validation names each problem with its location, restore
 * refuses before writing anything, nothing crashes or hangs; crafted names are stored verbatim;
 * a 100 MB record is read with memory that follows the record, measured in a process of its own.
 */
import { execFile } from "node:child_process";
import { createHash } from "node:crypto";
import { once } from "node:events";
import { createWriteStream } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import fc from "fast-check";
import type { Driver } from "neo4j-driver";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { clearDatabase, loadSampleGraph } from "../../scripts/sample-graph/index.js";
import {
  METADATA_PREFIX,
  metadataLine,
  NODES_OPEN,
  RELATIONSHIPS_OPEN,
  SECTION_CLOSE,
  statisticsLine,
} from "../../src/format/layout.js";
import { metadataChecksum } from "../../src/format/records.js";
import {
  type BackupStorage,
  createBackup,
  FileSystemStorage,
  fingerprintDatabase,
  MemoryStorage,
  restoreBackup,
  type ValidationReport,
  validateBackup,
  verifyBackup,
} from "../../src/index.js";
import { buildDocument, chunks } from "../support/documents.js";
import { driverFor, testServers } from "../support/servers.js";
import { runScenario } from "./support/results.js";
import { createSchema, SCHEMA_B } from "./support/schema.js";

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

const MEMORY_WORKER = fileURLToPath(new URL("./support/validate-memory.ts", import.meta.url));
const MB = 1024 * 1024;

/** What validate-memory.ts reports. */
interface MemoryReport {
  valid: boolean;
  nodes: number;
  firstProblem: { message: string; location: { line?: number } } | null;
  baselineMb: number;
  peakMb: number;
}

/** Validates a file in a process of its own and returns its report and memory. */
async function validateInOwnProcess(
  directory: string,
  name: string,
): Promise<MemoryReport & { grewMb: number }> {
  const { stdout } = await promisify(execFile)(
    process.execPath,
    ["--import", "tsx", MEMORY_WORKER, directory, name],
    {
      maxBuffer: 1 << 20,
    },
  );
  const report = JSON.parse(stdout.trim().split("\n").pop()!) as MemoryReport;
  return { ...report, grewMb: report.peakMb - report.baselineMb };
}

/** A node line too long to build as one string: a prefix, one text repeated, a suffix. */
interface LongLine {
  prefix: string;
  repeat: { text: string; times: number };
  suffix: string;
}

function* piecesOf(line: string | LongLine): Generator<string> {
  if (typeof line === "string") {
    yield line;
    return;
  }
  yield line.prefix;
  for (let i = 0; i < line.repeat.times; i++) yield line.repeat.text;
  yield line.suffix;
}

/**
 * Writes a backup file of `count` nodes without holding it (or its records) in memory: the node
 * lines are produced twice, once for the checksum (as docs/format.md defines it) and once for the
 * file.
 */
async function writeStreamed(
  path: string,
  nodeLines: () => Iterable<string | LongLine>,
  count: number,
): Promise<void> {
  const nodes = createHash("sha256");
  for (const line of nodeLines()) {
    for (const piece of piecesOf(line)) nodes.update(piece);
    nodes.update("\n");
  }
  const digests = `${nodes.digest("hex")}:${createHash("sha256").digest("hex")}`;
  const metadata = JSON.parse(buildDocument([], []).split("\n")[0]!.slice(METADATA_PREFIX.length, -1));
  metadata.node_count = count;
  const statistics = {
    node_count: count,
    relationship_count: 0,
    label_counts: count > 0 ? { Big: count } : {},
    relationship_type_counts: {},
    checksum: `sha256:${createHash("sha256").update(digests).digest("hex")}`,
    metadata_checksum: metadataChecksum(metadata),
  };
  const out = createWriteStream(path);
  const write = async (text: string) => {
    if (!out.write(text)) await once(out, "drain");
  };
  await write(`${metadataLine(metadata)}${NODES_OPEN}\n`);
  let first = true;
  for (const line of nodeLines()) {
    if (!first) await write(",\n");
    first = false;
    for (const piece of piecesOf(line)) await write(piece);
  }
  await write(
    `${count > 0 ? "\n" : ""}${SECTION_CLOSE}\n${RELATIONSHIPS_OPEN}\n${SECTION_CLOSE}\n${statisticsLine(statistics)}`,
  );
  out.end();
  await once(out, "finish");
}

describe.each(testServers())("bad files on Neo4j $version ($label)", (server) => {
  let driver: Driver;
  let base: Buffer;
  let baseFingerprint: string;
  let baseMetadata: Record<string, unknown> | null;
  let printA: string;
  let root: string;

  beforeAll(async () => {
    driver = driverFor(server);
    root = await mkdtemp(join(tmpdir(), "neo4j-backup-bad-"));
    await clearDatabase(driver);
    await loadSampleGraph(driver, { seed: 71, nodes: 300, special: false });
    await createSchema(driver, SCHEMA_B);
    // written in place by FileSystemStorage: line 1 holds schema definitions and ends in padding
    const storage = new FileSystemStorage({ directory: join(root, "base") });
    const made = await createBackup({ driver, storage, reason: "base" });
    base = await readAll(storage, made.name);
    const report = await validateBackup({ storage, name: made.name, fingerprint: true });
    baseFingerprint = report.fingerprint!.total;
    baseMetadata = report.metadata;
    await clearDatabase(driver);
    await loadSampleGraph(driver, { seed: 72, nodes: 200, special: false });
    printA = (await fingerprintDatabase(driver)).total;
  });

  afterAll(async () => {
    await driver?.close();
    await rm(root, { recursive: true, force: true });
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
    await runScenario("bad.truncated", server.version, 10, async (scenario) => {
      for (let i = 0; i < 10; i++) {
        await scenario.trial(`cut at ${i}/10`, async () => {
          const report = await refused(
            base.subarray(0, Math.floor((base.length * i) / 10)),
            `cut at ${i}/10`,
          );
          expect(report.problems[0]!.message.length).toBeGreaterThan(0);
        });
      }
      return undefined;
    });
  });

  it("random bit flips in the data", async () => {
    const trials = 40;
    await runScenario("bad.data-flips", server.version, trials, async (scenario) => {
      const next = random(12345);
      const dataStart = base.indexOf("\n") + 1;
      let harmless = 0;
      for (let i = 0; i < trials; i++) {
        const at = dataStart + Math.floor(next() * (base.length - dataStart));
        const bit = Math.floor(next() * 8);
        await scenario.trial(`flip of bit ${bit} at byte ${at}`, async () => {
          const copy = Buffer.from(base);
          copy[at] = copy[at]! ^ (1 << bit);
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
        });
      }
      return `${trials - harmless} refused, ${harmless} harmless`;
    });
  });

  it("random bit flips in line 1: schema definitions, counts, reason, padding", async () => {
    const trials = 40;
    await runScenario("bad.metadata-flips", server.version, trials, async (scenario) => {
      const lineEnd = base.indexOf("\n");
      const padding = lineEnd - Buffer.byteLength(base.subarray(0, lineEnd).toString("utf8").trimEnd());
      const schemaAt = base.indexOf('"schema"');
      expect(schemaAt, "line 1 holds the schema").toBeGreaterThan(0);
      expect(schemaAt).toBeLessThan(lineEnd);
      const next = random(67890);
      let harmless = 0;
      let inSchema = 0;
      for (let i = 0; i < trials; i++) {
        const at = Math.floor(next() * lineEnd);
        const bit = Math.floor(next() * 8);
        if (at > schemaAt) inSchema++;
        await scenario.trial(`flip of bit ${bit} at byte ${at} of line 1`, async () => {
          const copy = Buffer.from(base);
          copy[at] = copy[at]! ^ (1 << bit);
          const storage = new MemoryStorage();
          await storage.write(NAME, bytesOf(copy));
          const report = await validateBackup({ storage, name: NAME, fingerprint: true });
          if (report.valid) {
            // accepted only when no metadata value changed (e.g. \u00e9 → \u00E9)
            expect(report.metadata, `flip at ${at}`).toEqual(baseMetadata);
            expect(report.fingerprint!.total).toBe(baseFingerprint);
            harmless++;
          } else {
            await refused(copy, `flip at ${at}`);
          }
        });
      }
      return `${trials - harmless} refused, ${harmless} harmless; ${inSchema} flips in the schema definitions, line 1 is ${lineEnd} bytes with ${padding} of padding`;
    });
  });

  it("wrong types, duplicate ids, dangling relationships, invalid UTF-8, deep nesting, colliding v1 keys", async () => {
    const text = buildDocument();
    const cases: [string, () => Buffer, RegExp][] = [
      [
        "an integer given as a number string",
        () => Buffer.from(text.replace('"usage_count":142', '"usage_count":{"$int":142}')),
        /\$int|string/i,
      ],
      [
        "labels as a string",
        () => Buffer.from(text.replace('"_labels":["Function"]', '"_labels":"Function"')),
        /_labels/,
      ],
      [
        "a date that is not a date",
        () => Buffer.from(text.replace('"name":"system.db.runQuery"', '"name":{"$date":"2025-02-30"}')),
        /date/i,
      ],
      ["a boolean id", () => Buffer.from(text.replace('{"_id":7,', '{"_id":true,')), /_id/],
      ["a duplicate node id", () => Buffer.from(text.replace('{"_id":7,', '{"_id":1,')), /duplicate/i],
      [
        "a dangling relationship",
        () => Buffer.from(text.replace('"_start_id":0,"_end_id":1', '"_start_id":0,"_end_id":99')),
        /not in the file/,
      ],
      [
        "invalid UTF-8",
        () =>
          Buffer.concat([
            Buffer.from(text.slice(0, text.indexOf("readBlocking"))),
            Buffer.from([0xc3, 0x28]),
            Buffer.from(text.slice(text.indexOf("readBlocking"))),
          ]),
        /UTF-8/,
      ],
      [
        "nesting 100,000 deep",
        () =>
          Buffer.from(
            text.replace('"usage_count":142', `"usage_count":${"[".repeat(100_000)}${"]".repeat(100_000)}`),
          ),
        /./,
      ],
      [
        "a version-1 record whose property collides with _id",
        () =>
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
    await runScenario("bad.malformed", server.version, cases.length, async (scenario) => {
      for (const [label, data, expected] of cases) {
        await scenario.trial(label, async () => {
          const report = await refused(data(), label);
          expect(report.problems.map((p) => `${p.message} @${p.location.path}`).join(" | "), label).toMatch(
            expected,
          );
        });
      }
      return undefined;
    });
  });

  it("a 100 MB string: unterminated it is refused, whole it is read with memory that follows the record, not the file", async () => {
    // measured in a process of its own, reading the file from disk: nothing else is in its memory
    const big = { text: "x".repeat(MB), times: 100 };
    const directory = join(root, "big");
    await rm(directory, { recursive: true, force: true });
    const storage = new FileSystemStorage({ directory });
    await storage.ensureDirectory();
    const small = buildDocument().split("\n");
    await runScenario("bad.big-string", server.version, 3, async (scenario) => {
      const unterminated = await scenario.trial("unterminated 100 MB string", async () => {
        // line 4 opens a string that runs for 100 MB and never closes
        const out = createWriteStream(join(directory, "unterminated_20250101_000000.json"));
        const line = small[3]!;
        const cut = line.indexOf('"system.db.runQuery"');
        out.write(`${small.slice(0, 3).join("\n")}\n${line.slice(0, cut)}"`);
        for (let i = 0; i < big.times; i++) if (!out.write(big.text)) await once(out, "drain");
        out.end(`${line.slice(cut + '"system.db.runQuery"'.length)}\n${small.slice(4).join("\n")}`);
        await once(out, "finish");
        const report = await validateInOwnProcess(directory, "unterminated_20250101_000000.json");
        expect(report.valid).toBe(false);
        expect(report.firstProblem?.location.line).toBe(4);
        return report;
      });
      const whole = await scenario.trial("one record holding a 100 MB string", async () => {
        await writeStreamed(
          join(directory, "whole_20250101_000000.json"),
          () => [{ prefix: '{"_id":0,"_labels":["Big"],"properties":{"text":"', repeat: big, suffix: '"}}' }],
          1,
        );
        const report = await validateInOwnProcess(directory, "whole_20250101_000000.json");
        expect(report.firstProblem).toBeNull();
        expect(report.valid).toBe(true);
        // bounded by the record: a few copies of it (its bytes, the line, the parsed value, the
        // canonical line that is hashed); ten would be a regression
        expect(report.grewMb).toBeLessThan(10 * 100);
        return report;
      });
      const many = await scenario.trial("the same 100 MB in 100,000 records of 1 KB", async () => {
        const text = "y".repeat(1000);
        await writeStreamed(
          join(directory, "many_20250101_000000.json"),
          function* () {
            for (let id = 0; id < 100_000; id++)
              yield `{"_id":${id},"_labels":["Big"],"properties":{"text":"${text}"}}`;
          },
          100_000,
        );
        const report = await validateInOwnProcess(directory, "many_20250101_000000.json");
        expect(report.valid).toBe(true);
        expect(report.nodes).toBe(100_000);
        // the file is as large, memory stays flat: it follows the record, not the file
        expect(report.grewMb).toBeLessThan(100);
        return report;
      });
      const mb = (r: { grewMb: number } | undefined) => (r ? `${r.grewMb} MB` : "not measured");
      return `peak RSS of the validating process above its baseline: ${mb(whole)} for one 100 MB record (limit 1,000 MB: ten copies), ${mb(many)} for 100 MB in 1 KB records (limit 100 MB), ${mb(unterminated)} for the unterminated string`;
    });
  });

  it("labels, types, keys and index names crafted to inject Cypher are stored verbatim, and nothing else runs", async () => {
    await runScenario("bad.injection", server.version, 1, async (scenario) => {
      await scenario.trial("crafted names restored and verified", async () => {
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
      });
      return undefined;
    });
  });
});

describe("reader fuzzing (no server)", () => {
  it("fuzzing the reader: random edits never crash, hang or pass off changed data as valid", async () => {
    const numRuns = 500;
    await runScenario("bad.fuzz", "none", numRuns, async (scenario) => {
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
            runs++;
            // each run is a trial; a failing one is recorded, then fast-check reports it
            const ok = await scenario.trial(
              `run ${runs}: ${JSON.stringify(edits).slice(0, 120)}`,
              async () => {
                let data = Buffer.from(small);
                for (const e of edits) {
                  const at = Math.min(e.at, data.length);
                  data = Buffer.concat([
                    data.subarray(0, at),
                    Buffer.from(e.insert),
                    data.subarray(at + e.remove),
                  ]);
                }
                const report = await validateBackup({ source: bytesOf(data), fingerprint: true });
                if (report.valid) expect(report.fingerprint!.total).toBe(smallPrint);
                else {
                  refusedCount++;
                  expect(report.problems[0]!.location.path).not.toBe("");
                }
                return true;
              },
            );
            if (!ok) throw new Error(`run ${runs} failed (recorded)`);
          },
        ),
        { numRuns, seed: 20261125, endOnFailure: true },
      );
      return `${refusedCount} refused, ${runs - refusedCount} unchanged in content`;
    });
  });
});
