/**
 * The special content of the sample graph: a fixed, small set of nodes and relationships with every property
 * type, odd shapes and names that need escaping. It does not depend on the seed or the graph size.
 */
import { DateTime, Duration, int } from "neo4j-driver";
import { type SampleCapabilities, typeSampleProperties } from "./type-samples.js";

/** A special node: labels are known up front (for counting); properties are built only when written. */
export interface SpecialNode {
  readonly labels: readonly string[];
  readonly properties: (capabilities: SampleCapabilities) => Record<string, unknown>;
}

/** A special relationship between special nodes, by their position in {@link SPECIAL_NODES}. */
export interface SpecialRelationship {
  readonly type: string;
  readonly start: number;
  readonly end: number;
  readonly properties: (capabilities: SampleCapabilities) => Record<string, unknown>;
}

/** Names that need escaping in Cypher, used as labels, relationship types and property keys. */
export const ADVERSARIAL_NAMES = [
  "we`ird",
  "`",
  "with space",
  "dot.ted",
  "a:b",
  " padded ",
  "Überprüfung",
  "日本語",
  "MATCH",
  "RETURN",
  "null",
  "1st",
  "$param",
] as const;

/** Property keys that look like the backup format's reserved keys. */
export const RESERVED_LOOKING_KEYS = ["_id", "_labels", "_type", "_start_id", "_end_id"] as const;

const none = (): Record<string, unknown> => ({});

function adversarialProperties(): Record<string, unknown> {
  const properties: Record<string, unknown> = {};
  ADVERSARIAL_NAMES.forEach((name, i) => {
    properties[name] = i % 2 === 0 ? int(i) : `value of ${name}`;
  });
  properties._id = "not an id";
  properties._labels = ["Fake", "Labels"];
  properties._type = "FAKE_TYPE";
  properties._start_id = int(1);
  properties._end_id = int(2);
  return properties;
}

function deprecatedFunction(name: string, usage: number): () => Record<string, unknown> {
  return () => ({
    name,
    category: "legacy",
    description: `${name} is kept for old projects; do not use in new scripts.`,
    usage_count: int(usage),
    parameters: ["tagPath"],
    deprecated: true,
  });
}

const at = (day: number): DateTime<number> => new DateTime(2022, 5, day, 8, 0, 0, 0, 0);

/** Position of each special node, for readable relationship definitions. */
const N = {
  typeSampleA: 0,
  typeSampleB: 1,
  legacyRead: 2,
  legacyWrite: 3,
  session: 4,
  unlabelled: 5,
  empty: 6,
  labelOnly: 7,
  manyLabels: 8,
  weirdA: 9,
  weirdB: 10,
  weirdC: 11,
} as const;

const [w0, w1, w2, w3, w4, w5, w6, w7, w8, w9, w10, w11, w12] = ADVERSARIAL_NAMES;

/** The special nodes, in key order (they follow the domain nodes). */
export const SPECIAL_NODES: readonly SpecialNode[] = [
  { labels: ["TypeSample"], properties: typeSampleProperties },
  { labels: ["TypeSample"], properties: typeSampleProperties },
  { labels: ["Function", "Deprecated"], properties: deprecatedFunction("system.legacy.readTagBlocking", 12) },
  { labels: ["Function", "Deprecated"], properties: deprecatedFunction("system.legacy.writeTag", 0) },
  {
    labels: ["Session"],
    properties: () => ({
      session_id: "special-session",
      started_at: at(1),
      duration: new Duration(0, 0, 90, 0),
    }),
  },
  { labels: [], properties: () => ({ note: "a node without labels" }) },
  { labels: [], properties: none },
  { labels: ["Placeholder"], properties: none },
  { labels: ["Pattern", "Template", "Reviewed", "Archived", "Imported", "Draft"], properties: none },
  { labels: [w0, w1, w2, w3], properties: adversarialProperties },
  { labels: [w4, w5, w6, w7, w8], properties: adversarialProperties },
  { labels: [w9, w10, w11, w12, ...RESERVED_LOOKING_KEYS], properties: () => ({ 日本語: "名前" }) },
];

const coOccurs = (confidence: number) => () => ({ confidence, support: 0.5, created_at: at(2) });

/** The special relationships, in key order (they follow the domain relationships). */
export const SPECIAL_RELATIONSHIPS: readonly SpecialRelationship[] = [
  // Every property type, on relationships too, one of them a self-loop.
  { type: "TYPE_SAMPLE", start: N.typeSampleA, end: N.typeSampleB, properties: typeSampleProperties },
  { type: "TYPE_SAMPLE", start: N.typeSampleB, end: N.typeSampleA, properties: typeSampleProperties },
  { type: "TYPE_SAMPLE", start: N.typeSampleA, end: N.typeSampleA, properties: typeSampleProperties },
  // Self-loop and parallel relationships (same type and endpoints, different properties).
  { type: "CO_OCCURS_WITH", start: N.legacyRead, end: N.legacyRead, properties: coOccurs(1) },
  { type: "CO_OCCURS_WITH", start: N.legacyRead, end: N.legacyWrite, properties: coOccurs(0.25) },
  { type: "CO_OCCURS_WITH", start: N.legacyRead, end: N.legacyWrite, properties: coOccurs(0.75) },
  { type: "USES", start: N.session, end: N.legacyRead, properties: () => ({ count: int(1) }) },
  { type: "USES", start: N.session, end: N.legacyRead, properties: () => ({ count: int(2) }) },
  { type: "USES", start: N.session, end: N.legacyRead, properties: none },
  // Relationships without properties, between nodes without labels or properties.
  { type: "LINKS", start: N.unlabelled, end: N.empty, properties: none },
  { type: "LINKS", start: N.empty, end: N.empty, properties: none },
  { type: "LINKS", start: N.empty, end: N.labelOnly, properties: none },
  { type: "MATCHES", start: N.manyLabels, end: N.legacyWrite, properties: none },
  // Relationship types that need escaping, some with property keys that need it too.
  ...ADVERSARIAL_NAMES.map((type, i) => ({
    type,
    start: N.weirdA + (i % 3),
    end: N.weirdA + ((i + 1 + (i % 2)) % 3),
    properties: i % 2 === 0 ? adversarialProperties : none,
  })),
  { type: "_type", start: N.weirdC, end: N.weirdC, properties: adversarialProperties },
];
