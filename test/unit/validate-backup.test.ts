import { describe, expect, it } from "vitest";
import { readBackupEvents } from "../../src/format/reader.js";
import { MemoryStorage } from "../../src/storage/memory.js";
import { validateBackup } from "../../src/validate/validate-backup.js";
import {
  buildDocument,
  chunks,
  sampleNodes,
  sampleRelationships,
  V1_DOCUMENT,
} from "../support/documents.js";

const validate = (content: string | Buffer, chunkSize = 7) =>
  validateBackup({ source: chunks(content, chunkSize) });

function sortKeysDeep(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sortKeysDeep);
  if (value && typeof value === "object") {
    return Object.fromEntries(
      Object.keys(value)
        .sort()
        .map((k) => [k, sortKeysDeep((value as Record<string, unknown>)[k])]),
    );
  }
  return value;
}

describe("validateBackup on good files", () => {
  it("accepts a file in this library's layout, read line by line", async () => {
    const report = await validate(buildDocument());
    expect(report.problems).toEqual([]);
    expect(report).toMatchObject({
      valid: true,
      formatVersion: 2,
      layout: "lines",
      nodeCount: 3,
      relationshipCount: 2,
    });
    expect(report.labelCounts).toEqual({ Function: 2, Deprecated: 1 });
  });

  it("accepts a metadata line padded with spaces (a backup written in place), on the fast path", async () => {
    const document = buildDocument();
    const newline = document.indexOf("\n");
    const padded = `${document.slice(0, newline)}${" ".repeat(300)}${document.slice(newline)}`;
    const plain = await validate(document);
    const report = await validate(padded);
    expect(report.problems).toEqual([]);
    expect(report).toMatchObject({ valid: true, layout: "lines", nodeCount: 3, relationshipCount: 2 });
    expect(report.checksum).toBe(plain.checksum);
    expect(report.metadata).toEqual(plain.metadata);
  });

  it("accepts the same document re-indented, minified or with keys reordered, with the same checksum", async () => {
    const doc = buildDocument();
    const original = await validate(doc);
    const parsed = JSON.parse(doc);
    for (const variant of [
      JSON.stringify(parsed, null, 2),
      JSON.stringify(parsed),
      JSON.stringify(sortKeysDeep(parsed), null, "\t"),
    ]) {
      const report = await validate(variant, 5);
      expect(report.problems).toEqual([]);
      expect(report.layout).toBe("general");
      expect(report.checksum).toBe(original.checksum);
    }
  });

  it("reads a property named __proto__ in both layouts as JSON.parse does, and a leading byte-order mark", async () => {
    const nodes = [
      ...sampleNodes,
      { _id: 9, _labels: ["Odd"], properties: JSON.parse('{"__proto__": "kept", "x": 1}') },
    ];
    const doc = buildDocument(nodes, sampleRelationships);
    const original = await validate(doc);
    expect(original.problems).toEqual([]);
    const reindented = JSON.stringify(JSON.parse(doc), null, 2);
    for (const variant of [reindented, `\uFEFF${reindented}`]) {
      const report = await validate(variant, 5);
      expect(report.problems).toEqual([]);
      expect(report.layout).toBe("general");
      expect(report.checksum).toBe(original.checksum);
    }
    const properties: unknown[] = [];
    for await (const e of readBackupEvents(chunks(reindented))) {
      if (e.kind === "node") properties.push((e.value as { properties: unknown }).properties);
    }
    const odd = properties.at(-1) as Record<string, unknown>;
    expect(Object.getPrototypeOf(odd)).toBe(Object.prototype);
    expect(Object.keys(odd)).toEqual(["__proto__", "x"]);
  });

  it("reads through a storage", async () => {
    const storage = new MemoryStorage();
    await storage.write("b_20250101_000000.json", chunks(buildDocument()));
    const report = await validateBackup({ storage, name: "b_20250101_000000.json" });
    expect(report.valid).toBe(true);
  });

  it("accepts the original version-1 layout", async () => {
    const report = await validate(V1_DOCUMENT);
    expect(report.problems).toEqual([]);
    expect(report).toMatchObject({ valid: true, formatVersion: 1, nodeCount: 2, relationshipCount: 1 });
  });

  it("yields records in order with line numbers on the fast path", async () => {
    const seen: string[] = [];
    for await (const e of readBackupEvents(chunks(buildDocument()))) {
      if (e.kind === "node" || e.kind === "relationship") seen.push(`${e.kind}@${e.location.line}`);
    }
    expect(seen).toEqual(["node@3", "node@4", "node@5", "relationship@8", "relationship@9"]);
  });
});

describe("validateBackup on bad files", () => {
  it("reports truncation at every tenth of the file with a location", async () => {
    const doc = buildDocument();
    for (let tenth = 1; tenth < 10; tenth++) {
      const report = await validate(doc.slice(0, Math.floor((doc.length * tenth) / 10)));
      expect(report.valid, `cut at ${tenth}/10`).toBe(false);
      const problem = report.problems.find((p) => p.code === "SYNTAX");
      expect(problem, `cut at ${tenth}/10`).toBeDefined();
      expect(problem!.location.line).toBeGreaterThan(0);
    }
  });

  it("reports a changed value as a checksum mismatch", async () => {
    const doc = buildDocument().replace("0.85", "0.86");
    const report = await validate(doc);
    expect(report.problems.map((p) => p.code)).toEqual(["CHECKSUM"]);
  });

  it("reports an invalid typed value with its line and property path", async () => {
    const nodes = [
      ...sampleNodes,
      { _id: 9, _labels: ["X"], properties: { when: { $date: "2024-02-30x" } } },
    ];
    const report = await validate(buildDocument(nodes, sampleRelationships));
    const problem = report.problems.find((p) => p.code === "VALUE");
    expect(problem).toMatchObject({ location: { line: 6, path: "data.nodes[3].properties.when" } });
  });

  it("reports wrong record shapes with the path of the field", async () => {
    const doc = buildDocument().replace('"_labels":["Function"]', '"_labels":"Function"');
    const report = await validate(doc);
    expect(report.problems[0]).toMatchObject({
      code: "SCHEMA",
      location: { line: 3, path: "data.nodes[0]._labels" },
    });
  });

  it("reports duplicate ids and dangling relationships", async () => {
    const nodes = [...sampleNodes, { ...sampleNodes[0]!, properties: {} }];
    const rels = [
      ...sampleRelationships,
      { _id: 5, _type: "USES", _start_id: 0, _end_id: 99, properties: {} },
    ];
    const report = await validate(buildDocument(nodes, rels));
    expect(report.problems.map((p) => p.code).sort()).toEqual(["DANGLING_RELATIONSHIP", "DUPLICATE_ID"]);
    expect(report.danglingRelationships).toBe(1);
  });

  it("reports counts that disagree with metadata and statistics", async () => {
    const report = await validate(
      buildDocument(undefined, undefined, (m, s) => {
        m.node_count = 4;
        s.label_counts.Function = 1;
      }),
    );
    expect(report.problems.map((p) => p.location.path).sort()).toEqual([
      "data.statistics.label_counts.Function",
      "metadata.node_count",
    ]);
  });

  it("reports invalid UTF-8 with its line", async () => {
    const doc = Buffer.from(buildDocument(), "utf8");
    const at = doc.indexOf("readBlocking");
    doc[at] = 0xff;
    const report = await validate(doc);
    expect(report.problems[0]).toMatchObject({ code: "SYNTAX", location: { line: 3 } });
    expect(report.problems[0]!.message).toMatch(/UTF-8/);
  });

  it("reports an unsupported format version", async () => {
    const report = await validate(buildDocument().replace('"format_version":2', '"format_version":3'));
    expect(report.problems.some((p) => p.code === "FORMAT_VERSION")).toBe(true);
  });

  it("reports a missing comma and a trailing comma", async () => {
    const lines = buildDocument().split("\n");
    const noComma = [...lines];
    noComma[2] = noComma[2]!.replace(/,$/, "");
    expect((await validate(noComma.join("\n"))).problems[0]!.message).toMatch(/missing comma/);
    const trailing = [...lines];
    trailing[4] = `${trailing[4]},`;
    expect((await validate(trailing.join("\n"))).problems[0]!.message).toMatch(/trailing comma/);
  });

  it("refuses whitespace that JSON does not allow (a vertical tab) in either layout", async () => {
    const doc = buildDocument();
    const lines = doc.split("\n");
    lines[2] = lines[2]!.replace('"_labels"', '\v"_labels"');
    expect((await validate(lines.join("\n"))).valid).toBe(false);
    const reindented = JSON.stringify(JSON.parse(doc), null, 2).replace('"_labels"', '\v"_labels"');
    const report = await validate(reindented);
    expect(report.valid).toBe(false);
    expect(report.problems[0]).toMatchObject({ code: "SYNTAX" });
  });
});
