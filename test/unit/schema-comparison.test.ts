/**
 * How verifyBackup compares the schema of a file with a database's: by name, kind, entity type,
 * labels or types, properties and the index settings both sides report.
 */
import { describe, expect, it } from "vitest";
import { FingerprintBuilder } from "../../src/format/fingerprint.js";
import type { ConstraintDefinition, IndexDefinition } from "../../src/format/schema.js";
import { compareFingerprints } from "../../src/verify/verify-backup.js";

const empty = new FingerprintBuilder().result();

function pointIndex(config: Record<string, unknown>): IndexDefinition {
  return {
    name: "place_location",
    type: "POINT",
    entity_type: "NODE",
    labels_or_types: ["Place"],
    properties: ["location"],
    options: { indexProvider: "point-1.0", indexConfig: config },
    create_statement: null,
  };
}

const constraint: ConstraintDefinition = {
  name: "place_name",
  type: "UNIQUENESS",
  entity_type: "NODE",
  labels_or_types: ["Place"],
  properties: ["name"],
  property_type: null,
  options: { indexProvider: "range-1.0", indexConfig: {} },
  create_statement: null,
};

const schema = (index: IndexDefinition) => ({ indexes: [index], constraints: [constraint] });
const bounds = { "spatial.cartesian.max": [{ $float: "10" }, { $float: "10" }] };

describe("the schema comparison", () => {
  it("names an index whose setting differs", () => {
    const other = { "spatial.cartesian.max": [{ $float: "20" }, { $float: "10" }] };
    const differences = compareFingerprints(
      empty,
      empty,
      schema(pointIndex(bounds)),
      schema(pointIndex(other)),
    );
    expect(differences).toHaveLength(1);
    expect(differences[0]).toMatch(/^index "place_location" differs: backup .*10.*, database .*20/);
  });

  it("ignores settings only one side reports, and the index provider", () => {
    const newer = { ...bounds, "spatial.added.setting": true };
    const provider = { ...pointIndex(newer), options: { indexProvider: "point-2.0", indexConfig: newer } };
    expect(compareFingerprints(empty, empty, schema(pointIndex(bounds)), schema(provider))).toEqual([]);
    expect(compareFingerprints(empty, empty, schema(pointIndex(newer)), schema(pointIndex(bounds)))).toEqual(
      [],
    );
  });

  it("names an index whose property differs, and a missing constraint", () => {
    const moved = { ...pointIndex(bounds), properties: ["centre"] };
    const differences = compareFingerprints(empty, empty, schema(pointIndex(bounds)), {
      indexes: [moved],
      constraints: [],
    });
    expect(differences).toEqual([
      expect.stringMatching(/^index "place_location" differs/),
      'constraint "place_name" is missing from the database',
    ]);
  });
});
