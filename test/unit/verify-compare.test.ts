/**
 * The comparison behind verifyBackup's verdict, without a server: a backup's fingerprint read from
 * a storage, and the differences between two fingerprints and two schemas, in words. An empty list
 * means "equal", so every kind of difference must produce a line.
 */
import { describe, expect, it } from "vitest";
import { type Fingerprint, FingerprintBuilder } from "../../src/format/fingerprint.js";
import { decodeRecordProperties } from "../../src/format/properties.js";
import type { ConstraintDefinition, IndexDefinition } from "../../src/format/schema.js";
import { decodeProperties, encodeProperties } from "../../src/format/values.js";
import { MemoryStorage } from "../../src/storage/memory.js";
import { validateBackup } from "../../src/validate/validate-backup.js";
import { compareFingerprints, fingerprintBackup } from "../../src/verify/verify-backup.js";
import {
  buildDocument,
  chunks,
  sampleNodes,
  sampleRelationships,
  V1_DOCUMENT,
} from "../support/documents.js";

function fingerprint(build: (f: FingerprintBuilder) => void): Fingerprint {
  const f = new FingerprintBuilder();
  build(f);
  return f.result();
}

const p = (props: Record<string, unknown>) => encodeProperties(props);

/** Two nodes A and B (B also labelled L) and a relationship KNOWS between them. */
const graph = (bName = "b", relWeight = 1.5, extra?: (f: FingerprintBuilder) => void) =>
  fingerprint((f) => {
    f.addNode(1, ["A"], p({ name: "a" }));
    f.addNode(2, ["B", "L"], p({ name: bName }));
    f.addRelationship("KNOWS", 1, 2, p({ weight: relWeight }));
    extra?.(f);
  });

const index = (name: string, properties: string[] = ["name"]): IndexDefinition => ({
  name,
  type: "RANGE",
  entity_type: "NODE",
  labels_or_types: ["A"],
  properties,
  options: {},
  create_statement: null,
});

const constraint = (
  name: string,
  type: string,
  property_type: string | null = null,
): ConstraintDefinition => ({
  name,
  type,
  entity_type: "NODE",
  labels_or_types: ["A"],
  properties: ["name"],
  property_type,
  options: null,
  create_statement: null,
});

describe("compareFingerprints", () => {
  it("finds no difference between equal fingerprints and schemas", () => {
    const schema = { indexes: [index("i")], constraints: [constraint("c", "UNIQUENESS")] };
    expect(compareFingerprints(graph(), graph(), schema, structuredClone(schema))).toEqual([]);
  });

  it("names differing node, relationship, label and type counts", () => {
    const more = graph("b", 1.5, (f) => {
      f.addNode(3, ["C"], p({}));
      f.addRelationship("LIKES", 1, 3, p({}));
    });
    expect(compareFingerprints(graph(), more, null, null)).toEqual([
      "node count: backup 2, database 3",
      "relationship count: backup 1, database 2",
      'nodes with label "C": backup 0, database 1',
      'relationships of type "LIKES": backup 0, database 1',
      'content of nodes with label "C" differs',
      'content of relationships of type "LIKES" differs',
    ]);
  });

  it("locates changed content by label and by type when the counts agree", () => {
    expect(compareFingerprints(graph(), graph("B"), null, null)).toEqual([
      'content of nodes with label "B" differs',
      'content of nodes with label "L" differs',
      // the relationship's hash includes its end node's
      'content of relationships of type "KNOWS" differs',
    ]);
    expect(compareFingerprints(graph(), graph("b", 2.5), null, null)).toEqual([
      'content of relationships of type "KNOWS" differs',
    ]);
    const unlabelled = (x: number) => fingerprint((f) => f.addNode(1, [], p({ x })));
    expect(compareFingerprints(unlabelled(1), unlabelled(2), null, null)).toEqual([
      "content of nodes without labels differs",
    ]);
  });

  it("says the content differs when only the total does", () => {
    const a = graph();
    const b = { ...a, total: (Number.parseInt(a.total, 16) ^ 1).toString(16).padStart(13, "0") };
    expect(compareFingerprints(a, b, null, null)).toEqual(["content fingerprint differs"]);
  });

  it("compares indexes and constraints by name: missing, differing and extra ones", () => {
    const backup = {
      indexes: [index("kept"), index("changed"), index("dropped")],
      constraints: [constraint("u", "UNIQUENESS"), constraint("t", "NODE_PROPERTY_TYPE", "STRING")],
    };
    const database = {
      indexes: [index("kept"), index("changed", ["name", "age"]), index("added")],
      constraints: [constraint("u", "NODE_KEY"), constraint("t", "NODE_PROPERTY_TYPE", "INTEGER")],
    };
    expect(compareFingerprints(graph(), graph(), backup, database)).toEqual([
      'index "changed" differs: backup ["RANGE","NODE",["A"],["name"],{}], database ["RANGE","NODE",["A"],["name","age"],{}]',
      'index "dropped" is missing from the database',
      'constraint "u" differs: backup ["unique","NODE",["A"],["name"],{}], database ["key","NODE",["A"],["name"],{}]',
      'constraint "t" differs: backup ["type STRING","NODE",["A"],["name"],{}], database ["type INTEGER","NODE",["A"],["name"],{}]',
      'index "added" is in the database but not in the backup',
    ]);
  });

  it("tells the kinds of constraint apart: existence, key, uniqueness, property type", () => {
    const kinds = ["NODE_PROPERTY_EXISTENCE", "NODE_KEY", "UNIQUENESS", "NODE_PROPERTY_TYPE"];
    for (const a of kinds)
      for (const b of kinds) {
        const differences = compareFingerprints(
          graph(),
          graph(),
          { indexes: [], constraints: [constraint("c", a, "STRING")] },
          { indexes: [], constraints: [constraint("c", b, "STRING")] },
        );
        expect(differences.length, `${a} against ${b}`).toBe(a === b ? 0 : 1);
      }
  });

  it("leaves the schema out when either side has none", () => {
    const schema = { indexes: [index("i")], constraints: [] };
    expect(compareFingerprints(graph(), graph(), schema, null)).toEqual([]);
    expect(compareFingerprints(graph(), graph(), null, schema)).toEqual([]);
  });

  it("lists at most 20 differences", () => {
    const many = fingerprint((f) => {
      for (let i = 0; i < 30; i++) f.addNode(i, [`L${i}`], p({}));
    });
    const differences = compareFingerprints(graph(), many, null, null);
    expect(differences).toHaveLength(20);
    expect(differences[0]).toBe("node count: backup 2, database 30");
  });
});

describe("fingerprintBackup", () => {
  it("fingerprints a stored file as its records decode, and returns its schema section", async () => {
    const storage = new MemoryStorage();
    await storage.write("b_20250101_000000.json", chunks(buildDocument()));
    const { fingerprint: found, schema } = await fingerprintBackup(storage, "b_20250101_000000.json");
    const expected = fingerprint((f) => {
      for (const n of sampleNodes) f.addNode(n._id, n._labels, p(decodeProperties(n.properties)));
      for (const r of sampleRelationships)
        f.addRelationship(r._type, r._start_id, r._end_id, p(decodeProperties(r.properties)));
    });
    expect(found).toEqual(expected);
    expect(schema).toEqual({ indexes: [], constraints: [] });
    const validated = await validateBackup({ storage, name: "b_20250101_000000.json", fingerprint: true });
    expect(validated.fingerprint).toEqual(found);
  });

  it("reads a version-1 file's properties from the record itself, without a schema", async () => {
    const storage = new MemoryStorage();
    await storage.write("v1_20250101_000000.json", chunks(V1_DOCUMENT));
    const { fingerprint: found, schema } = await fingerprintBackup(storage, "v1_20250101_000000.json");
    expect(schema).toBeNull();
    const validated = await validateBackup({ storage, name: "v1_20250101_000000.json", fingerprint: true });
    expect(found).toEqual(validated.fingerprint);
    expect(found).toMatchObject({ nodes: 2, relationships: 1, labelCounts: { Function: 2 } });
    // version-1 properties sit beside _id and _labels in the record
    const v1 = JSON.parse(V1_DOCUMENT).data;
    const expected = fingerprint((f) => {
      for (const n of v1.nodes) f.addNode(n._id, n._labels, p(decodeRecordProperties(1, n, "n").properties));
      for (const r of v1.relationships)
        f.addRelationship(r._type, r._start_id, r._end_id, p(decodeRecordProperties(1, r, "r").properties));
    });
    expect(found).toEqual(expected);
  });
});
