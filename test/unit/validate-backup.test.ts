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

  it("refuses a number beyond the range of a float (1e400) with its line and property, in every layout", async () => {
    const beyond = (line: unknown, path: string) => ({
      code: "VALUE",
      severity: "error",
      message: expect.stringMatching(/^the number -?1e400 is beyond the range of a float/i),
      location: { line, path },
    });
    // version 1, indented (the general-layout reader): the first node starts at line 14
    const v1 = await validate(V1_DOCUMENT.replace('"usage_count": 142', '"usage_count": 1e400'));
    expect(v1.valid).toBe(false);
    expect(v1.problems).toEqual([beyond(14, "data.nodes[0].usage_count")]);
    // version 1 on one line, in a list
    const minified = JSON.stringify(JSON.parse(V1_DOCUMENT)).replace(
      '"tags":["a","b"]',
      '"tags":[1.5,-1E400]',
    );
    expect((await validate(minified)).problems).toEqual([beyond(1, "data.nodes[1].tags[1]")]);
    // version 2: a plain number (read as JSON.parse reads it) is refused by the schema where it is
    const v2 = await validate(buildDocument().replace('"usage_count":142', '"usage_count":1e400'));
    expect(v2.problems[0]).toMatchObject({
      severity: "error",
      location: { line: 3, path: "data.nodes[0].properties.usage_count" },
    });
    // a $float wrapper's text, in this library's layout and re-indented (the general-layout reader)
    const wrapped = buildDocument([{ _id: 0, _labels: [], properties: { big: { $float: "-1e400" } } }], []);
    expect((await validate(wrapped)).problems).toEqual([beyond(3, "data.nodes[0].properties.big")]);
    const reindented = JSON.stringify(JSON.parse(wrapped), null, 2);
    expect((await validate(reindented)).problems).toEqual([beyond(33, "data.nodes[0].properties.big")]);
    // a point's coordinate, which JSON.parse reads as Infinity
    const point = buildDocument(
      [{ _id: 0, _labels: [], properties: { at: { $point: { srid: 7203, x: 1, y: 2 } } } }],
      [],
    ).replace('"x":1,', '"x":1e400,');
    expect((await validate(point)).problems).toContainEqual(
      expect.objectContaining({
        severity: "error",
        message: expect.stringMatching(/^a coordinate is beyond the range of a float/),
        location: { line: 3, path: "data.nodes[0].properties.at" },
      }),
    );
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

describe("the metadata checksum", () => {
  const withSchema = () =>
    buildDocument(undefined, undefined, (m) => {
      m.schema = {
        indexes: [
          {
            name: "function_name",
            type: "RANGE",
            entity_type: "NODE",
            labels_or_types: ["Function"],
            properties: ["name"],
            options: { indexProvider: "range-1.0", indexConfig: {} },
            create_statement: null,
          },
        ],
        constraints: [
          {
            name: "function_id",
            type: "UNIQUENESS",
            entity_type: "NODE",
            labels_or_types: ["Function"],
            properties: ["id"],
            property_type: null,
            options: null,
            create_statement: null,
          },
        ],
      };
    });

  it("is written and checked: a changed reason, schema definition or count is refused at line 1", async () => {
    const doc = withSchema();
    expect((await validate(doc)).problems).toEqual([]);
    const edits: [string, string][] = [
      ['"reason":"test"', '"reason":"tesu"'],
      ['"properties":["name"]', '"properties":["namf"]'],
      ['"type":"UNIQUENESS"', '"type":"UNIQUENEST"'],
      ['"duration_ms":877', '"duration_ms":878'],
    ];
    for (const [from, to] of edits) {
      expect(doc.includes(from), from).toBe(true);
      const report = await validate(doc.replace(from, to));
      expect(report.valid, to).toBe(false);
      expect(report.problems, to).toContainEqual(
        expect.objectContaining({ code: "CHECKSUM", location: { line: 1, path: "metadata" } }),
      );
    }
  });

  it("is the same for a re-indented copy, and the padding after line 1 is outside it", async () => {
    const doc = withSchema();
    const original = await validate(doc);
    expect(original.metadataChecksum).toMatch(/^sha256:[0-9a-f]{64}$/);
    const newline = doc.indexOf("\n");
    const padded = `${doc.slice(0, newline)}${" ".repeat(100)}${doc.slice(newline)}`;
    for (const variant of [padded, JSON.stringify(sortKeysDeep(JSON.parse(doc)), null, 2)]) {
      const report = await validate(variant, 5);
      expect(report.problems).toEqual([]);
      expect(report.metadataChecksum).toBe(original.metadataChecksum);
    }
  });

  it("is absent from files written before it existed: they validate with an UNPROTECTED warning, and strict validation refuses them", async () => {
    const old = buildDocument(undefined, undefined, undefined, { metadataChecksum: false });
    expect(old).not.toContain("metadata_checksum");
    const unprotected = (severity: string) => ({
      severity,
      code: "UNPROTECTED",
      message: expect.stringMatching(/^the file has no metadata_checksum .*a change to its metadata/),
      location: { line: 1, path: "metadata" },
    });
    const edited = old.replace('"reason":"test"', '"reason":"tesu"');
    for (const doc of [old, edited]) {
      const report = await validate(doc);
      expect(report.valid).toBe(true);
      expect(report.problems).toEqual([unprotected("warning")]);
      const strict = await validateBackup({ source: chunks(doc), strict: true });
      expect(strict.valid).toBe(false);
      expect(strict.problems).toEqual([unprotected("error")]);
    }
    // a file with the checksum has no such problem, strict or not
    const report = await validateBackup({ source: chunks(buildDocument()), strict: true });
    expect(report.problems).toEqual([]);
  });

  it("cannot be disabled by damaging its field name: statistics accept no other fields", async () => {
    const doc = buildDocument();
    for (const name of ['"metadata_checksuo"', '"metadata_chec{sum"', '"letadata_checksum"']) {
      const report = await validate(doc.replace('"metadata_checksum"', name));
      expect(report.valid, name).toBe(false);
      expect(report.problems[0]!.location.path, name).toMatch(/^data\.statistics/);
    }
  });

  it("catches every single-bit flip in line 1 (padding included) that changes the metadata", async () => {
    const doc = withSchema();
    const newline = doc.indexOf("\n");
    const bytes = Buffer.from(`${doc.slice(0, newline)}${" ".repeat(16)}${doc.slice(newline)}`, "utf8");
    const lineEnd = bytes.indexOf(0x0a);
    const original = (await validate(bytes, 4096)).metadata;
    let refused = 0;
    let harmless = 0;
    for (let at = 0; at < lineEnd; at++) {
      for (let bit = 0; bit < 8; bit++) {
        const copy = Buffer.from(bytes);
        copy[at] = copy[at]! ^ (1 << bit);
        const report = await validate(copy, 4096);
        if (!report.valid) refused++;
        else {
          // accepted only when the flip left every metadata value as it was
          expect(report.metadata, `byte ${at} bit ${bit}`).toEqual(original);
          harmless++;
        }
      }
    }
    expect(refused + harmless).toBe(lineEnd * 8);
    expect(refused).toBeGreaterThan(lineEnd * 8 * 0.99);
  }, 120_000);
});

describe("the canonical key order, as docs/format.md states it", () => {
  /**
   * An independent implementation of the documented rule, not relying on JavaScript's key order:
   * integer-like keys (0 … 4294967294, no leading zeros) first in numeric order, then the other
   * keys sorted by UTF-16 code units.
   */
  function documentedProperties(properties: Record<string, unknown>): string {
    const isIndex = (k: string) => /^(?:0|[1-9]\d*)$/.test(k) && Number(k) <= 4294967294;
    const indexKeys = Object.keys(properties)
      .filter(isIndex)
      .sort((a, b) => Number(a) - Number(b));
    const otherKeys = Object.keys(properties)
      .filter((k) => !isIndex(k))
      .sort((a, b) => {
        for (let i = 0; i < Math.min(a.length, b.length); i++) {
          const d = a.charCodeAt(i) - b.charCodeAt(i);
          if (d !== 0) return d;
        }
        return a.length - b.length;
      });
    const body = [...indexKeys, ...otherKeys].map(
      (k) => `${JSON.stringify(k)}:${JSON.stringify(properties[k])}`,
    );
    return `{${body.join(",")}}`;
  }

  it('puts keys like "9" and "10" first, in numeric order, and yields the checksum the library computes', async () => {
    const properties: Record<string, string> = {
      b: "b",
      "10": "ten",
      a: "a",
      "9": "nine",
      "01": "leading zero",
      "-1": "negative",
      "1.5": "fraction",
      "4294967294": "largest index",
      "4294967295": "not an index",
      B: "B",
      é: "e acute",
      "😀": "outside the BMP: a surrogate pair, sorted by its code units",
      "\uff5e": "a BMP character above the surrogates",
    };
    const nodes = [{ _id: 0, _labels: ["K"], properties }];
    const line = `{"_id":0,"_labels":["K"],"properties":${documentedProperties(properties)}}`;
    expect(line.indexOf('"9"')).toBeLessThan(line.indexOf('"10"'));
    expect(line.indexOf('"4294967294"')).toBeLessThan(line.indexOf('"-1"'));
    expect(line.indexOf('"😀"')).toBeLessThan(line.indexOf('"\uff5e"'));
    const { createHash } = await import("node:crypto");
    const sha = (text: string) => createHash("sha256").update(text).digest("hex");
    const expected = `sha256:${sha(`${sha(`${line}\n`)}:${sha("")}`)}`;
    const report = await validate(buildDocument(nodes, []));
    expect(report.problems).toEqual([]);
    expect(report.checksum).toBe(expected);
    // and the line createBackup writes (JSON.stringify of the encoded properties) is that line
    const { encodeProperties } = await import("../../src/format/values.js");
    expect(JSON.stringify({ _id: 0, _labels: ["K"], properties: encodeProperties(properties) })).toBe(line);
  });
});

describe("the content checksum", () => {
  it("is the documented hash of the lines, short and long alike (long lines are hashed without batching)", async () => {
    const { createHash } = await import("node:crypto");
    const { ContentChecksum } = await import("../../src/format/records.js");
    const sha = (text: string) => createHash("sha256").update(text).digest("hex");
    const lines = ["a", "b".repeat(70_000), "c", "d".repeat(65_536), "é".repeat(40_000), "f"];
    const checksum = new ContentChecksum();
    for (const line of lines) checksum.addNode(line);
    checksum.addRelationship("r".repeat(100_000));
    checksum.addRelationship("s");
    const nodes = sha(lines.map((l) => `${l}\n`).join(""));
    const relationships = sha(`${"r".repeat(100_000)}\ns\n`);
    expect(checksum.digest()).toBe(`sha256:${sha(`${nodes}:${relationships}`)}`);
  });
});
