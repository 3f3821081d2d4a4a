/**
 * The schema statement builders, for every kind a backup can hold. The Enterprise-only kinds —
 * node and relationship keys, existence and property-type constraints — cannot be created on the
 * Community servers the integration tests run, so their statements are pinned here; on a
 * Community target they are refused before anything is written.
 */
import { int } from "neo4j-driver";
import { describe, expect, it } from "vitest";
import type { ConstraintDefinition, IndexDefinition } from "../../src/format/schema.js";
import { constraintStatement, indexStatement, planSchema } from "../../src/graph/schema-statements.js";

function constraint(overrides: Partial<ConstraintDefinition>): ConstraintDefinition {
  return {
    name: "c",
    type: "UNIQUENESS",
    entity_type: "NODE",
    labels_or_types: ["Person"],
    properties: ["name"],
    property_type: null,
    options: null,
    create_statement: null,
    ...overrides,
  };
}

function index(overrides: Partial<IndexDefinition>): IndexDefinition {
  return {
    name: "i",
    type: "RANGE",
    entity_type: "NODE",
    labels_or_types: ["Person"],
    properties: ["name"],
    options: {},
    create_statement: null,
    ...overrides,
  };
}

const PROVIDER = { indexProvider: "range-1.0", indexConfig: {} };

describe("Enterprise-only constraints", () => {
  const cases: [string, Partial<ConstraintDefinition>, string][] = [
    [
      "node key on two properties, with its index provider",
      { name: "person_key", type: "NODE_KEY", properties: ["first", "last"], options: PROVIDER },
      "CREATE CONSTRAINT `person_key` FOR (e:`Person`) REQUIRE (e.`first`, e.`last`) IS NODE KEY OPTIONS $options",
    ],
    [
      "relationship key",
      {
        name: "knows_key",
        type: "RELATIONSHIP_KEY",
        entity_type: "RELATIONSHIP",
        labels_or_types: ["KNOWS"],
        properties: ["since"],
      },
      "CREATE CONSTRAINT `knows_key` FOR ()-[e:`KNOWS`]-() REQUIRE e.`since` IS RELATIONSHIP KEY",
    ],
    [
      "node property existence (no options, even when the server reported some)",
      { name: "person_name", type: "NODE_PROPERTY_EXISTENCE", options: PROVIDER },
      "CREATE CONSTRAINT `person_name` FOR (e:`Person`) REQUIRE e.`name` IS NOT NULL",
    ],
    [
      "relationship property existence",
      {
        name: "knows_since",
        type: "RELATIONSHIP_PROPERTY_EXISTENCE",
        entity_type: "RELATIONSHIP",
        labels_or_types: ["KNOWS"],
        properties: ["since"],
      },
      "CREATE CONSTRAINT `knows_since` FOR ()-[e:`KNOWS`]-() REQUIRE e.`since` IS NOT NULL",
    ],
    [
      "node property type",
      { name: "person_age", type: "NODE_PROPERTY_TYPE", properties: ["age"], property_type: "INTEGER" },
      "CREATE CONSTRAINT `person_age` FOR (e:`Person`) REQUIRE e.`age` IS :: INTEGER",
    ],
    [
      "relationship property type: a list type",
      {
        name: "knows_tags",
        type: "RELATIONSHIP_PROPERTY_TYPE",
        entity_type: "RELATIONSHIP",
        labels_or_types: ["KNOWS"],
        properties: ["tags"],
        property_type: "LIST<STRING NOT NULL>",
      },
      "CREATE CONSTRAINT `knows_tags` FOR ()-[e:`KNOWS`]-() REQUIRE e.`tags` IS :: LIST<STRING NOT NULL>",
    ],
    [
      "property type: a union",
      {
        name: "person_id",
        type: "NODE_PROPERTY_TYPE",
        properties: ["id"],
        property_type: "STRING | INTEGER",
      },
      "CREATE CONSTRAINT `person_id` FOR (e:`Person`) REQUIRE e.`id` IS :: STRING | INTEGER",
    ],
  ];

  for (const [title, overrides, cypher] of cases) {
    it(`builds ${title}`, () => {
      const statement = constraintStatement(constraint(overrides), true);
      expect(statement.cypher).toBe(cypher);
      expect(statement.parameters).toEqual(
        cypher.includes("$options") ? { options: { indexProvider: "range-1.0" } } : {},
      );
    });
  }

  it("refuses a property type that is not a type, so that no text reaches Cypher", () => {
    expect(() =>
      constraintStatement(
        constraint({ type: "NODE_PROPERTY_TYPE", property_type: "INTEGER} DETACH DELETE e //" }),
        true,
      ),
    ).toThrow(/invalid property type/);
  });

  it("are refused on a Community target before anything is written, and planned on an Enterprise one", () => {
    const schema = {
      indexes: [],
      constraints: cases.map(([, overrides]) => constraint(overrides)),
    };
    const community = planSchema(schema, { edition: "community", version: "5.26.0" }, { version: "5.26.0" });
    expect(community.statements).toEqual([]);
    expect(community.problems.map((p) => p.name)).toEqual(schema.constraints.map((c) => c.name));
    expect(community.problems[0]!.message).toBe(
      "NODE_KEY constraints need Neo4j Enterprise Edition; the target is community",
    );
    const enterprise = planSchema(
      schema,
      { edition: "enterprise", version: "5.26.0" },
      { version: "5.26.0" },
    );
    expect(enterprise.problems).toEqual([]);
    expect(enterprise.statements.map((s) => s.cypher)).toEqual(cases.map(([, , cypher]) => cypher));
  });
});

describe("constraints and indexes of every edition", () => {
  it("builds node and relationship uniqueness constraints, escaping names", () => {
    expect(constraintStatement(constraint({ name: "a`b", labels_or_types: ["Per`son"] }), false).cypher).toBe(
      "CREATE CONSTRAINT `a``b` FOR (e:`Per``son`) REQUIRE e.`name` IS UNIQUE",
    );
    expect(
      constraintStatement(
        constraint({
          type: "RELATIONSHIP_UNIQUENESS",
          entity_type: "RELATIONSHIP",
          labels_or_types: ["R"],
          properties: ["a", "b"],
        }),
        false,
      ).cypher,
    ).toBe("CREATE CONSTRAINT `c` FOR ()-[e:`R`]-() REQUIRE (e.`a`, e.`b`) IS UNIQUE");
  });

  it("builds every index type, keeping the provider only when asked", () => {
    expect(indexStatement(index({ options: PROVIDER }), true)).toMatchObject({
      cypher: "CREATE RANGE INDEX `i` FOR (e:`Person`) ON (e.`name`) OPTIONS $options",
      parameters: { options: { indexProvider: "range-1.0" } },
    });
    expect(indexStatement(index({ options: PROVIDER }), false)).toMatchObject({
      cypher: "CREATE RANGE INDEX `i` FOR (e:`Person`) ON (e.`name`)",
      parameters: {},
    });
    expect(
      indexStatement(index({ type: "TEXT", entity_type: "RELATIONSHIP", labels_or_types: ["R"] }), false)
        .cypher,
    ).toBe("CREATE TEXT INDEX `i` FOR ()-[e:`R`]-() ON (e.`name`)");
    expect(
      indexStatement(
        index({
          type: "VECTOR",
          options: {
            indexProvider: "vector-2.0",
            indexConfig: { "vector.dimensions": 4, "vector.similarity_function": "COSINE" },
          },
        }),
        false,
      ),
    ).toMatchObject({
      cypher: "CREATE VECTOR INDEX `i` FOR (e:`Person`) ON (e.`name`) OPTIONS $options",
      parameters: {
        options: { indexConfig: { "vector.dimensions": int(4), "vector.similarity_function": "COSINE" } },
      },
    });
    expect(
      indexStatement(index({ type: "FULLTEXT", labels_or_types: ["A", "B"], properties: ["x", "y"] }), false)
        .cypher,
    ).toBe("CREATE FULLTEXT INDEX `i` FOR (e:`A`|`B`) ON EACH [e.`x`, e.`y`]");
    expect(
      indexStatement(
        index({ type: "LOOKUP", entity_type: "RELATIONSHIP", labels_or_types: null, properties: null }),
        false,
      ).cypher,
    ).toBe("CREATE LOOKUP INDEX `i` FOR ()-[e]-() ON EACH type(e)");
  });
});
