/**
 * The verdicts of validateBackup beyond single records: how many problems are listed, which ones
 * make a file invalid and which only warn, sections that are missing, relationships written before
 * their nodes, the counts a file states of itself, and the fingerprint restoreBackup verifies with.
 */
import { describe, expect, it } from "vitest";
import { FingerprintBuilder } from "../../src/format/fingerprint.js";
import type { NodeRecord, RelationshipRecord } from "../../src/format/records.js";
import { decodeProperties, encodeProperties } from "../../src/format/values.js";
import { validateBackup } from "../../src/validate/validate-backup.js";
import {
  buildDocument,
  chunks,
  sampleNodes,
  sampleRelationships,
  V1_DOCUMENT,
} from "../support/documents.js";

const validate = (content: string, options: { maxProblems?: number; fingerprint?: boolean } = {}) =>
  validateBackup({ source: chunks(content, 13), ...options });

const node = (
  id: number,
  labels: string[] = ["N"],
  properties: NodeRecord["properties"] = {},
): NodeRecord => ({
  _id: id,
  _labels: labels,
  properties,
});
const rel = (id: number, start: number, end: number, type = "R"): RelationshipRecord => ({
  _id: id,
  _type: type,
  _start_id: start,
  _end_id: end,
  properties: {},
});

describe("the problems a report lists", () => {
  it("lists at most maxProblems problems and counts the others", async () => {
    const nodes = [node(1), node(1), node(1), node(1), node(1), node(1)];
    const report = await validate(buildDocument(nodes, []), { maxProblems: 2 });
    expect(report.valid).toBe(false);
    expect(report.problems.map((p) => p.code)).toEqual(["DUPLICATE_ID", "DUPLICATE_ID"]);
    expect(report.omittedProblems).toBe(3);
    const all = await validate(buildDocument(nodes, []));
    expect(all.problems).toHaveLength(5);
    expect(all.omittedProblems).toBe(0);
  });

  it("reports metadata that the schema refuses, even when its checksum matches", async () => {
    const report = await validate(
      buildDocument(undefined, undefined, (m) => {
        (m as { database: unknown }).database = 5;
      }),
    );
    expect(report.valid).toBe(false);
    expect(report.problems.map((p) => [p.code, p.location.path])).toEqual([["SCHEMA", "metadata.database"]]);
  });

  it("reports a relationship _id written twice", async () => {
    const report = await validate(buildDocument([node(1), node(2)], [rel(5, 1, 2), rel(5, 2, 1)]));
    expect(report.valid).toBe(false);
    expect(report.problems.map((p) => [p.code, p.message])).toEqual([
      ["DUPLICATE_ID", "duplicate relationship _id 5"],
    ]);
  });

  it("reports a relationship the schema refuses, and goes on to the next one", async () => {
    const doc = JSON.parse(buildDocument([node(1), node(2)], [rel(0, 1, 2), rel(1, 2, 1)]));
    delete doc.data.relationships[0]._type;
    const report = await validate(JSON.stringify(doc));
    expect(report.valid).toBe(false);
    expect(report.relationshipCount).toBe(2);
    expect(report.problems.map((p) => p.code)).toContain("SCHEMA");
    expect(report.problems.every((p) => p.code !== "DANGLING_RELATIONSHIP")).toBe(true);
  });

  it("keeps a file with warnings only valid: version-1 nulls are skipped, with a warning each", async () => {
    const v1 = JSON.parse(V1_DOCUMENT);
    v1.data.nodes[0].retired = null;
    const report = await validate(JSON.stringify(v1));
    expect(report.problems).toEqual([
      expect.objectContaining({
        severity: "warning",
        code: "V1_NULL",
        message: 'property "retired" is null and will be skipped',
      }),
    ]);
    expect(report.valid).toBe(true);
    expect(report.formatVersion).toBe(1);
  });

  it("refuses a version-1 record with an object under properties as ambiguous", async () => {
    const v1 = JSON.parse(V1_DOCUMENT);
    v1.data.nodes[0].properties = { a: 1 };
    const report = await validate(JSON.stringify(v1));
    expect(report.valid).toBe(false);
    expect(report.problems.map((p) => p.code)).toEqual(["V1_AMBIGUOUS"]);
  });

  it("reports a property value the codec refuses at the property's path", async () => {
    const nodes = [node(1, ["N"], { when: { $date: "2023-02-29" } })];
    const report = await validate(buildDocument(nodes, []));
    expect(report.valid).toBe(false);
    expect(report.problems).toEqual([
      {
        severity: "error",
        code: "VALUE",
        message: 'invalid date "2023-02-29" (at data.nodes[0].properties.when)',
        location: { line: 3, path: "data.nodes[0].properties.when" },
      },
    ]);
  });
});

describe("sections", () => {
  it("reports a missing metadata section and a missing statistics section", async () => {
    const doc = JSON.parse(buildDocument());
    const withoutMetadata = await validate(JSON.stringify({ data: doc.data }));
    expect(withoutMetadata.valid).toBe(false);
    expect(withoutMetadata.problems.map((p) => [p.code, p.location.path])).toEqual([
      ["MISSING_SECTION", "document"],
    ]);
    const { statistics: _, ...data } = doc.data;
    const withoutStatistics = await validate(JSON.stringify({ metadata: doc.metadata, data }));
    expect(withoutStatistics.valid).toBe(false);
    expect(withoutStatistics.problems.map((p) => [p.code, p.location.path])).toEqual([
      ["MISSING_SECTION", "data.statistics"],
    ]);
  });

  it("reads relationships written before their nodes, and reports only endpoints never written", async () => {
    const doc = JSON.parse(buildDocument([node(1), node(2)], [rel(0, 1, 2), rel(1, 2, 9)]));
    const reordered = {
      metadata: doc.metadata,
      data: { relationships: doc.data.relationships, nodes: doc.data.nodes, statistics: doc.data.statistics },
    };
    const report = await validate(JSON.stringify(reordered));
    expect(report.relationshipsFirst).toBe(true);
    expect(report.danglingRelationships).toBe(1);
    expect(report.problems.map((p) => [p.code, p.message])).toEqual([
      ["DANGLING_RELATIONSHIP", "relationship refers to node _id 9 which is not in the file"],
    ]);
    const inOrder = await validate(buildDocument([node(1), node(2)], [rel(0, 1, 2)]));
    expect(inOrder.relationshipsFirst).toBe(false);
    expect(inOrder.valid).toBe(true);
  });
});

describe("the counts a file states", () => {
  it("reports a label or type missing from the stated counts, or stated but absent", async () => {
    const report = await validate(
      buildDocument([node(1, ["A"]), node(2, ["B"])], [rel(0, 1, 2, "X")], (_m, s) => {
        s.label_counts = { A: 1, C: 2 };
        s.relationship_type_counts = { X: 1, Y: 1 };
      }),
    );
    expect(report.valid).toBe(false);
    expect(report.problems.map((p) => [p.location.path, p.message])).toEqual([
      ["data.statistics.label_counts.C", 'data.statistics.label_counts says "C": 2 but the file holds 0'],
      ["data.statistics.label_counts.B", 'data.statistics.label_counts says "B": 0 but the file holds 1'],
      [
        "data.statistics.relationship_type_counts.Y",
        'data.statistics.relationship_type_counts says "Y": 1 but the file holds 0',
      ],
    ]);
  });

  it("reports per-label counts stated as null as a schema problem, without comparing them", async () => {
    const report = await validate(
      buildDocument(undefined, undefined, (_m, s) => {
        (s as { label_counts: unknown }).label_counts = null;
      }),
    );
    expect(report.valid).toBe(false);
    expect(report.problems.map((p) => [p.code, p.location.path])).toEqual([
      ["SCHEMA", "data.statistics.label_counts"],
    ]);
  });

  it("reports relationship counts that differ in the metadata or the statistics", async () => {
    const report = await validate(
      buildDocument(undefined, undefined, (m, s) => {
        m.relationship_count = 3;
        s.relationship_count = 1;
        s.node_count = 2;
      }),
    );
    expect(report.problems.map((p) => p.message)).toEqual([
      "metadata.relationship_count says 3 but the file holds 2 relationships",
      "data.statistics.node_count says 2 but the file holds 3 nodes",
      "data.statistics.relationship_count says 1 but the file holds 2 relationships",
    ]);
  });

  it("accepts a file whose counts all agree", async () => {
    const report = await validate(buildDocument());
    expect(report.problems).toEqual([]);
    expect(report.valid).toBe(true);
    expect(report.relationshipTypeCounts).toEqual({ CO_OCCURS_WITH: 1, SELF: 1 });
  });
});

describe("what a report notes of the content", () => {
  it("notes VECTOR properties (the target must support them) and only then", async () => {
    const withVector = [node(1, ["N"], { v: { $vector: { type: "INT8", values: [1, 2] } } })];
    expect((await validate(buildDocument(withVector, []))).usesVectors).toBe(true);
    expect((await validate(buildDocument())).usesVectors).toBe(false);
  });

  it("computes the fingerprint of the restorable content: the records, less dangling relationships", async () => {
    const nodes = sampleNodes;
    const rels = [...sampleRelationships, rel(5, 0, 99, "DANGLING")];
    const report = await validate(buildDocument(nodes, rels), { fingerprint: true });
    const expected = new FingerprintBuilder();
    const decodedAgain = (p: Record<string, unknown>) => encodeProperties(decodeProperties(p));
    for (const n of nodes) expected.addNode(n._id, n._labels, decodedAgain(n.properties));
    for (const r of sampleRelationships)
      expected.addRelationship(r._type, r._start_id, r._end_id, decodedAgain(r.properties));
    expect(report.fingerprint).toEqual(expected.result());
    expect(report.fingerprint).toMatchObject({ nodes: 3, relationships: 2 });
    expect((await validate(buildDocument(nodes, rels))).fingerprint).toBeUndefined();
  });
});
