import { createReadStream, readFileSync } from "node:fs";
import { join } from "node:path";
import fc from "fast-check";
import neo4j, { isInt } from "neo4j-driver";
import { describe, expect, it } from "vitest";
import { decodeRecordProperties } from "../../src/format/properties.js";
import { readBackupEvents } from "../../src/format/reader.js";
import { canonicalJson } from "../../src/format/records.js";
import { encodeProperties } from "../../src/format/values.js";
import { validateBackup } from "../../src/validate/validate-backup.js";
import { buildDocument, chunks } from "../support/documents.js";
import { expectedSnapshot, FIXTURES, FIXTURES_DIR, fileSnapshot } from "../support/fixtures.js";

const path = (file: string) => join(FIXTURES_DIR, file);

describe.each(FIXTURES)("a hand-written file: $form ($file)", (fixture) => {
  it("validates, with the layout, version, counts and warnings it has", async () => {
    const report = await validateBackup({
      source: createReadStream(path(fixture.file)),
      apocPropertyTypes: fixture.apocPropertyTypes,
    });
    expect(report.problems.filter((p) => p.severity === "error")).toEqual([]);
    expect(report).toMatchObject({
      valid: true,
      layout: fixture.layout,
      formatVersion: fixture.formatVersion,
      nodeCount: fixture.expected.nodes.length,
      relationshipCount: fixture.expected.relationships.length,
    });
    expect(report.problems.filter((p) => p.severity === "warning")).toHaveLength(fixture.warnings);
  });

  it("reads every value with its exact type", async () => {
    const snapshot = await fileSnapshot(path(fixture.file), fixture.apocPropertyTypes);
    expect(snapshot).toEqual(expectedSnapshot(fixture.expected));
  });

  it("gives every record its line", async () => {
    for await (const event of readBackupEvents(createReadStream(path(fixture.file)))) {
      if (event.kind === "node" || event.kind === "relationship")
        expect(event.location.line).toBeGreaterThan(0);
    }
  });
});

describe("numbers read from their text", () => {
  it("a version-1 file: 1.0 is a Float, 1 an Integer, large integers exact, NaN and ±Infinity Floats", async () => {
    for await (const event of readBackupEvents(createReadStream(path("v1-python-indent2.json")))) {
      if (event.kind !== "node" || event.index !== 0) continue;
      const { properties: p } = decodeRecordProperties(1, event.value as Record<string, unknown>, "n");
      expect(p.weight).toBe(1);
      expect(isInt(p.usage_count)).toBe(true);
      expect(String(p.big)).toBe("9223372036854775807");
      expect(String(p.below)).toBe("-9007199254740993");
      expect(p.nan).toBeNaN();
      expect([p.inf, p.ninf]).toEqual([Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY]);
      expect(Object.is(p.negzero, -0)).toBe(true);
      expect(p.floats).toEqual([1, 2.5]);
      expect((p.ints as unknown[]).every((i) => isInt(i))).toBe(true);
    }
  });

  it("the same numbers in another writer's file in the line layout are read from their text too", async () => {
    const doc = JSON.parse(readFileSync(path("v2-reindented.json"), "utf8"));
    // plain numbers that only their text tells apart: this library's writer puts them in typed
    // wrappers, another writer may not
    const records = [
      '{"_id":0,"_labels":[],"properties":{"a":1.0,"c":12345678901234567890,"d":-0.0,"e":1e2}},',
      '{"_id":1,"_labels":[],"properties":{"b":NaN}}',
    ];
    const metadata = { ...doc.metadata, format: "another-writer", node_count: 2, relationship_count: 0 };
    const lines = [
      `{"metadata":${JSON.stringify(metadata)},`,
      '"data":{"nodes":[',
      ...records,
      "],",
      '"relationships":[',
      "],",
      `"statistics":${JSON.stringify({ ...doc.data.statistics, node_count: 2, relationship_count: 0 })}}}`,
    ];
    const events = [];
    for await (const event of readBackupEvents(chunks(lines.join("\n"), 64))) events.push(event);
    const nodes = events.flatMap((e) => (e.kind === "node" ? [JSON.stringify(e.value)] : []));
    expect(nodes).toEqual([
      '{"_id":0,"_labels":[],"properties":{"a":{"$float":"1"},"c":{"$int":"12345678901234567890"},"d":{"$float":"-0"},"e":{"$float":"100"}}}',
      '{"_id":1,"_labels":[],"properties":{"b":{"$float":"NaN"}}}',
    ]);
    expect(events.at(-1)).toMatchObject({ kind: "end", layout: "lines" });
  });

  it("a re-indented and a minified copy of one document have the checksum it records", async () => {
    const checksums = [];
    for (const file of ["v2-reindented.json", "v2-minified.json"]) {
      const report = await validateBackup({ source: createReadStream(path(file)) });
      checksums.push(report.checksum);
    }
    const recorded = JSON.parse(readFileSync(path("v2-reindented.json"), "utf8")).data.statistics.checksum;
    expect(checksums).toEqual([recorded, recorded]);
  });
});

describe("what this library writes reads back the same in every layout", () => {
  const double = fc.double({ noNaN: false });
  const value = fc.oneof(
    fc.bigInt({ min: -(2n ** 63n), max: 2n ** 63n - 1n }).map((b) => neo4j.int(b.toString())),
    double,
    fc.array(double, { maxLength: 4 }),
    fc.string({ unit: "grapheme" }),
    fc.tuple(double, double).map(([x, y]) => new neo4j.types.Point(7203, x, y)),
    fc.tuple(double, double, double).map(([x, y, z]) => new neo4j.types.Point(9157, x, y, z)),
    fc
      .tuple(fc.integer({ min: -1000, max: 1000 }), fc.integer({ min: -1e9, max: 1e9 }))
      .map(([d, s]) => new neo4j.types.Duration(0, d, s, 0)),
  );

  it("numbers — plain, in lists, inside points — keep the value and the checksum they were written with", async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(value, { minLength: 1, maxLength: 8 }), async (values) => {
        const properties = encodeProperties(Object.fromEntries(values.map((v, i) => [`p${i}`, v])));
        const lines = buildDocument([{ _id: 0, _labels: ["N"], properties }], []);
        const doc = JSON.parse(lines);
        for (const text of [lines, JSON.stringify(doc, null, 2), JSON.stringify(doc)]) {
          const report = await validateBackup({ source: chunks(text, 512), fingerprint: true });
          expect(report.problems).toEqual([]);
          expect(report.checksum).toBe(doc.data.statistics.checksum);
          for await (const event of readBackupEvents(chunks(text, 512))) {
            if (event.kind !== "node") continue;
            const decoded = decodeRecordProperties(2, event.value as Record<string, unknown>, "n").properties;
            expect(canonicalJson(encodeProperties(decoded))).toBe(canonicalJson(properties));
          }
        }
      }),
      { numRuns: 200 },
    );
  });
});

describe("APOC exports", () => {
  it("without type mappings, temporal values and byte arrays stay the strings APOC wrote", async () => {
    const snapshot = await fileSnapshot(path("apoc-all.json"));
    const ann = JSON.parse(snapshot.nodes.find((n) => n.includes('"Ann"'))!).properties;
    expect(ann).toMatchObject({ born: "1984-02-29", span: "P1Y2M-3DT-1.5S", bytes: "AAH/", nan: "NaN" });
    // what APOC keeps: numbers by their text, points, NaN inside a list of floats
    expect(ann).toMatchObject({
      weight: { $float: "1" },
      desk: { $point: { srid: 9157, x: "-0", y: 1, z: 2.5 } },
    });
    expect(ann.floats).toEqual([{ $float: "1" }, 2.5, { $float: "NaN" }, { $float: "-Infinity" }]);
  });

  it("lists each node once, and a relationship's end nodes before it", async () => {
    const order: string[] = [];
    for await (const event of readBackupEvents(createReadStream(path("apoc-query.json")))) {
      if (event.kind === "node") order.push(`n${(event.value as { _id: number })._id}`);
      if (event.kind === "relationship") {
        const r = event.value as { _id: number; _start_id: number; _end_id: number };
        expect(order).toContain(`n${r._start_id}`);
        expect(order).toContain(`n${r._end_id}`);
        order.push(`r${r._id}`);
      }
    }
    expect(order).toEqual(["n10", "n11", "r20", "n12", "r21", "r22", "n13"]);
  });

  it("reports a relationship without its end nodes, and a node whose properties come after it is used", async () => {
    const noEnd = '{"type":"relationship","id":"0","label":"R","start":{"id":"1"}}\n';
    let report = await validateBackup({ source: chunks(noEnd, 4096) });
    expect(report.problems[0]).toMatchObject({ code: "SYNTAX", location: { line: 1 } });
    const late =
      '{"r":{"type":"relationship","id":"0","label":"R","start":{"id":"1","labels":["A"]},"end":{"id":"1","labels":["A"]}}}\n' +
      '{"n":{"type":"node","id":"1","labels":["A"],"properties":{"x":1}}}\n';
    report = await validateBackup({ source: chunks(late, 4096) });
    expect(report.problems[0]?.message).toMatch(
      /node "1" is listed with its properties only after a relationship/,
    );
    expect(report.problems[0]?.location.line).toBe(2);
  });

  it("reports a mapped string that is not of its type with the record and property", async () => {
    const line = '{"type":"node","id":"0","labels":["P"],"properties":{"born":"not a date"}}\n';
    const report = await validateBackup({
      source: chunks(line, 4096),
      apocPropertyTypes: { nodes: { P: { born: "Date" } } },
    });
    expect(report.valid).toBe(false);
    expect(report.problems[0]).toMatchObject({
      code: "VALUE",
      location: { line: 1, path: "nodes[0].properties.born" },
    });
  });
});

describe("maxLineBytes", () => {
  const longLine = (bytes: number) =>
    `{"metadata":{"format":"neo4j-backup","format_version":2},\n"data":{"nodes":[\n{"_id":0,"_labels":[],"properties":{"s":"${"x".repeat(bytes)}"}}\n],\n"relationships":[\n],\n"statistics":{}}}\n`;

  it("names the line that is too long", async () => {
    const report = await validateBackup({ source: chunks(longLine(5000), 4096), maxLineBytes: 1000 });
    const problem = report.problems.find((p) => p.code === "SYNTAX");
    expect(problem).toMatchObject({ location: { line: 3 } });
    expect(problem!.message).toMatch(/line 3 is longer than 1000 bytes.*maxLineBytes/);
  });

  it("also when the line arrives in pieces", async () => {
    const report = await validateBackup({ source: chunks(longLine(5000), 100), maxLineBytes: 1000 });
    expect(report.problems.find((p) => p.code === "SYNTAX")!.message).toMatch(
      /line 3 is longer than 1000 bytes/,
    );
  });

  it("is refused as an option beyond the longest string, and defaults below it", async () => {
    const { constants } = await import("node:buffer");
    const { DEFAULT_MAX_LINE_BYTES } = await import("../../src/format/reader.js");
    expect(DEFAULT_MAX_LINE_BYTES).toBeLessThan(constants.MAX_STRING_LENGTH);
    await expect(
      validateBackup({ source: chunks("{}", 4096), maxLineBytes: constants.MAX_STRING_LENGTH + 1 }),
    ).rejects.toMatchObject({ code: "INVALID_OPTIONS" });
    await expect(validateBackup({ source: chunks("{}", 4096), maxLineBytes: 0 })).rejects.toMatchObject({
      code: "INVALID_OPTIONS",
    });
  });
});
