/**
 * The hand-written files under test/fixtures — one per form people already have — and the graph
 * each one holds, with every value's exact type written out in format 2's encoding. A graph is
 * compared as a snapshot: each node as its sorted labels and encoded properties, each relationship
 * as its type, its end nodes' snapshots and its encoded properties, all sorted, so that ids play no
 * part.
 */
import { createReadStream } from "node:fs";
import { join } from "node:path";
import type { Driver } from "neo4j-driver";
import type { ApocPropertyTypes } from "../../src/format/apoc.js";
import { decodeRecordProperties } from "../../src/format/properties.js";
import { type ReadLayout, readBackupEvents } from "../../src/format/reader.js";
import { canonicalJson, type RecordId } from "../../src/format/records.js";
import { type EncodedValue, encodeProperties } from "../../src/format/values.js";

export const FIXTURES_DIR = join(import.meta.dirname, "..", "fixtures");

/** A node of an expected graph; `key` names it for the relationships. */
export interface ExpectedNode {
  key: string;
  labels: string[];
  properties: Record<string, EncodedValue>;
}

/** A relationship of an expected graph, between the nodes with keys `start` and `end`. */
export interface ExpectedRelationship {
  type: string;
  start: string;
  end: string;
  properties: Record<string, EncodedValue>;
}

export interface ExpectedGraph {
  nodes: ExpectedNode[];
  relationships: ExpectedRelationship[];
}

/** A graph as two sorted lists of canonical texts. */
export interface GraphSnapshot {
  nodes: string[];
  relationships: string[];
}

const nodeText = (labels: readonly string[], properties: Record<string, EncodedValue>) =>
  canonicalJson({ labels: [...labels].sort(), properties });

function snapshotOf(
  nodes: { id: RecordId; labels: readonly string[]; properties: Record<string, EncodedValue> }[],
  relationships: {
    type: string;
    start: RecordId;
    end: RecordId;
    properties: Record<string, EncodedValue>;
  }[],
): GraphSnapshot {
  const texts = new Map<RecordId, string>();
  for (const n of nodes) texts.set(n.id, nodeText(n.labels, n.properties));
  return {
    nodes: [...texts.values()].sort(),
    relationships: relationships
      .map((r) =>
        canonicalJson({
          type: r.type,
          start: texts.get(r.start) ?? null,
          end: texts.get(r.end) ?? null,
          properties: r.properties,
        }),
      )
      .sort(),
  };
}

/** The snapshot of an expected graph. */
export function expectedSnapshot(graph: ExpectedGraph): GraphSnapshot {
  return snapshotOf(
    graph.nodes.map((n) => ({ id: n.key, labels: n.labels, properties: n.properties })),
    graph.relationships,
  );
}

/** The snapshot of a database, read with the driver and encoded exactly. */
export async function databaseSnapshot(driver: Driver): Promise<GraphSnapshot> {
  const nodes = await driver.executeQuery(
    "MATCH (n) RETURN id(n) AS id, labels(n) AS labels, properties(n) AS p",
  );
  const rels = await driver.executeQuery(
    "MATCH (a)-[r]->(b) RETURN type(r) AS type, id(a) AS s, id(b) AS e, properties(r) AS p",
  );
  return snapshotOf(
    nodes.records.map((r) => ({
      id: Number(r.get("id")),
      labels: r.get("labels") as string[],
      properties: encodeProperties(r.get("p") as Record<string, unknown>),
    })),
    rels.records.map((r) => ({
      type: r.get("type") as string,
      start: Number(r.get("s")),
      end: Number(r.get("e")),
      properties: encodeProperties(r.get("p") as Record<string, unknown>),
    })),
  );
}

/** The snapshot of a file as the reader reads it (properties decoded and encoded again). */
export async function fileSnapshot(
  path: string,
  apocPropertyTypes?: ApocPropertyTypes,
): Promise<GraphSnapshot> {
  const nodes: { id: RecordId; labels: string[]; properties: Record<string, EncodedValue> }[] = [];
  const relationships: {
    type: string;
    start: RecordId;
    end: RecordId;
    properties: Record<string, EncodedValue>;
  }[] = [];
  let version: 1 | 2 = 2;
  for await (const event of readBackupEvents(createReadStream(path), { apocPropertyTypes })) {
    if (event.kind === "metadata") {
      version = (event.value as { format_version?: number }).format_version === 2 ? 2 : 1;
    } else if (event.kind === "node" || event.kind === "relationship") {
      const record = event.value as Record<string, unknown> & { _id: RecordId };
      const properties = encodeProperties(
        decodeRecordProperties(version, record, event.location.path).properties,
      );
      if (event.kind === "node")
        nodes.push({ id: record._id, labels: record._labels as string[], properties });
      else {
        relationships.push({
          type: record._type as string,
          start: record._start_id as RecordId,
          end: record._end_id as RecordId,
          properties,
        });
      }
    }
  }
  return snapshotOf(nodes, relationships);
}

// ---------------------------------------------------------------- the graphs

/** What the original Python application wrote (json.dump): numbers say by their text which type they were. */
const V1_GRAPH: ExpectedGraph = {
  nodes: [
    {
      key: "function",
      labels: ["Function"],
      properties: {
        name: "system.tag.readBlocking",
        category: "tag_operations",
        description: 'Grüße — ☃ 😀 "quoted"\nsecond line',
        usage_count: 142,
        weight: { $float: "1" },
        ratio: 0.85,
        big: { $int: "9223372036854775807" },
        below: { $int: "-9007199254740993" },
        nan: { $float: "NaN" },
        inf: { $float: "Infinity" },
        ninf: { $float: "-Infinity" },
        negzero: { $float: "-0" },
        tiny: 1e-7,
        huge: { $float: "1e+21" },
        floats: [{ $float: "1" }, 2.5],
        ints: [1, 2, 3],
        tags: ["a", "é"],
        deprecated: false,
      },
    },
    {
      key: "template",
      labels: ["Template", "Shared"],
      properties: { name: "Template Å", steps: [], count: 0 },
    },
    { key: "unlabelled", labels: [], properties: { note: "no labels" } },
  ],
  relationships: [
    {
      type: "CO_OCCURS_WITH",
      start: "function",
      end: "template",
      properties: {
        confidence: 0.85,
        support: 0.23,
        created_at: "2025-01-28T14:30:22",
        count: 3,
        weight: { $float: "2" },
      },
    },
    { type: "SELF", start: "unlabelled", end: "unlabelled", properties: {} },
  ],
};

/** A format-2 document re-indented or minified by another tool. */
const V2_GRAPH: ExpectedGraph = {
  nodes: [
    {
      key: "ann",
      labels: ["Person"],
      properties: {
        age: 42,
        at: { $datetime: "2024-10-27T02:30:00+02:00[Europe/Berlin]" },
        big: { $int: "9223372036854775807" },
        born: { $date: "1984-02-29" },
        bytes: { $bytes: "AAH/" },
        dates: [{ $date: "2024-01-01" }, { $date: "-0044-03-15" }],
        desk: { $point: { srid: 9157, x: "-0", y: 1, z: 2.5 } },
        email: "ann@example.com",
        exp: { $float: "1000" },
        floats: [{ $float: "1" }, 2.5],
        home: { $point: { srid: 4326, x: 13.4, y: 52.5 } },
        inf: { $float: "Infinity" },
        ints: [1, 2, 3],
        local: { $localdatetime: "2025-01-28T14:30:22.123456789" },
        meet: { $time: "14:30:22+01:00" },
        name: "Ann",
        nan: { $float: "NaN" },
        neg0: { $float: "-0" },
        plain_float: { $float: "2" },
        score: 0.85,
        span: { $duration: "P14M-3DT-1.500000000S" },
        tags: ["a", "b"],
        text: 'line\nbreak \u2028 "q" é',
        utc: { $datetime: "2025-01-28T14:30:22Z" },
        wake: { $localtime: "06:30:00.000000001" },
        weight: { $float: "1" },
      },
    },
    { key: "berlin", labels: ["Place"], properties: { area: 891.7, name: "Berlin" } },
    { key: "empty", labels: [], properties: {} },
  ],
  relationships: [
    { type: "LIVES_IN", start: "ann", end: "berlin", properties: { share: 0.5, since: 2019 } },
    { type: "SELF", start: "empty", end: "empty", properties: {} },
  ],
};

/** The types an APOC export loses to strings, named as apoc.import.json's mappings name them. */
export const APOC_TYPES: ApocPropertyTypes = {
  nodes: {
    Person: {
      born: "LocalDate",
      wake: "LocalTime",
      meet: "OffsetTime",
      local: "LocalDateTime",
      at: "ZonedDateTime",
      utc: "DateTime",
      span: "Duration",
      long: "Duration",
      bytes: "ByteArray",
      nan: "Float",
      dates: "Date",
    },
  },
  relationships: { LIVES_IN: { from: "Date" } },
};

const APOC_ALL_GRAPH: ExpectedGraph = {
  nodes: [
    {
      key: "ann",
      labels: ["Person"],
      properties: {
        name: "Ann",
        age: 42,
        score: 0.85,
        weight: { $float: "1" },
        big: { $int: "9223372036854775807" },
        neg0: { $float: "-0" },
        huge: { $float: "1e+21" },
        tiny: 1e-7,
        nan: { $float: "NaN" },
        word: "NaN",
        floats: [{ $float: "1" }, 2.5, { $float: "NaN" }, { $float: "-Infinity" }],
        ints: [1, 2, 3],
        tags: ["a", "b"],
        ok: true,
        born: { $date: "1984-02-29" },
        wake: { $localtime: "06:30:00" },
        meet: { $time: "14:30:22+01:00" },
        local: { $localdatetime: "2025-01-28T14:30:22.123456789" },
        at: { $datetime: "2024-10-27T02:30:00+02:00[Europe/Berlin]" },
        utc: { $datetime: "2025-01-28T14:30:22Z" },
        span: { $duration: "P14M-3DT-1.500000000S" },
        long: { $duration: "P0M0DT14706.700000000S" },
        bytes: { $bytes: "AAH/" },
        home: { $point: { srid: 4326, x: 13.4, y: 52.5 } },
        peak: { $point: { srid: 4979, x: 7.9, y: 46.5, z: 4158 } },
        desk: { $point: { srid: 9157, x: "-0", y: 1, z: 2.5 } },
        spots: [{ $point: { srid: 7203, x: 1, y: 2 } }, { $point: { srid: 7203, x: 3, y: 4.5 } }],
        dates: [{ $date: "2024-01-01" }, { $date: "-0044-03-15" }],
        text: 'line\nbreak \u2028 "q" é',
      },
    },
    { key: "berlin", labels: ["Place", "City"], properties: { name: "Berlin", area: 891.7 } },
    { key: "empty", labels: [], properties: {} },
  ],
  relationships: [
    {
      type: "LIVES_IN",
      start: "ann",
      end: "berlin",
      properties: { since: 2019, share: 0.5, from: { $date: "2019-05-01" } },
    },
    { type: "SELF", start: "empty", end: "empty", properties: {} },
  ],
};

const person = (name: string, born: string): ExpectedNode => ({
  key: name,
  labels: ["Person"],
  properties: { name, born: { $date: born } },
});

const APOC_QUERY_GRAPH: ExpectedGraph = {
  nodes: [
    person("Bob", "1990-01-01"),
    person("Cy", "1992-02-02"),
    person("Di", "1994-03-03"),
    { key: "solo", labels: ["Tag"], properties: { name: "solo" } },
  ],
  relationships: [
    { type: "KNOWS", start: "Bob", end: "Cy", properties: { since: 2001 } },
    { type: "KNOWS", start: "Cy", end: "Di", properties: { since: 2010, weight: { $float: "1" } } },
    { type: "LIKES", start: "Di", end: "Bob", properties: { stars: 5 } },
  ],
};

/** One hand-written file of a form people already have. */
export interface Fixture {
  file: string;
  /** The form, in words. */
  form: string;
  layout: ReadLayout;
  formatVersion: 1 | 2 | null;
  expected: ExpectedGraph;
  apocPropertyTypes?: ApocPropertyTypes;
  /** Warnings validation gives (version-1 nulls; UNPROTECTED for format-2 files without a metadata checksum). */
  warnings: number;
}

export const FIXTURES: Fixture[] = [
  {
    file: "v1-python-indent2.json",
    form: "version 1, json.dump indent 2, ASCII escapes",
    layout: "general",
    formatVersion: 1,
    expected: V1_GRAPH,
    warnings: 1,
  },
  {
    file: "v1-python-compact.json",
    form: "version 1, json.dump without indent, raw UTF-8",
    layout: "general",
    formatVersion: 1,
    expected: V1_GRAPH,
    warnings: 1,
  },
  {
    file: "v1-python-crlf-bom.json",
    form: "version 1, indent 2, CRLF line ends and a UTF-8 BOM",
    layout: "general",
    formatVersion: 1,
    expected: V1_GRAPH,
    warnings: 1,
  },
  {
    file: "v2-reindented.json",
    form: "version 2 re-indented",
    layout: "general",
    formatVersion: 2,
    expected: V2_GRAPH,
    warnings: 1, // UNPROTECTED: written before metadata_checksum existed
  },
  {
    file: "v2-minified.json",
    form: "version 2 minified to one line, keys reordered",
    layout: "general",
    formatVersion: 2,
    expected: V2_GRAPH,
    warnings: 1, // UNPROTECTED: written before metadata_checksum existed
  },
  {
    file: "apoc-all.json",
    form: "APOC apoc.export.json.all",
    layout: "apoc",
    formatVersion: null,
    expected: APOC_ALL_GRAPH,
    apocPropertyTypes: APOC_TYPES,
    warnings: 0,
  },
  {
    file: "apoc-query.json",
    form: "APOC apoc.export.json.query (rows, paths, repeated nodes)",
    layout: "apoc",
    formatVersion: null,
    expected: APOC_QUERY_GRAPH,
    apocPropertyTypes: { nodes: { Person: { born: "Date" } } },
    warnings: 0,
  },
];
