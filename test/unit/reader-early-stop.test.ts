/**
 * Callers stop reading early — `info` reads only the metadata, a `break` out of `for await`, an
 * abort, an exception in the loop. On every layout the reader must then close its source and leave
 * no error behind.
 */

import type { ReadStream } from "node:fs";
import { createReadStream, mkdtempSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { readBackupEvents } from "../../src/format/reader.js";
import type { NodeRecord, RelationshipRecord } from "../../src/format/records.js";
import { buildDocument } from "../support/documents.js";

const dir = mkdtempSync(join(tmpdir(), "neo4j-backup-early-stop-"));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const value = fc.oneof(
  fc.integer(),
  fc.double({ noNaN: true, noDefaultInfinity: true }).filter((x) => !Number.isInteger(x)),
  fc.string({ unit: "grapheme" }),
  fc.boolean(),
  fc.array(fc.integer(), { maxLength: 3 }),
);
const graph = fc
  .record({
    nodes: fc.array(
      fc.record({
        labels: fc.subarray(["A", "B", "Long Label"]),
        properties: fc.dictionary(fc.constantFrom("a", "b", "name", "x y"), value, { maxKeys: 3 }),
      }),
      { maxLength: 12 },
    ),
    relationships: fc.array(fc.tuple(fc.nat(), fc.nat(), fc.constantFrom("R", "S")), { maxLength: 12 }),
  })
  .map(({ nodes, relationships }) => {
    const n: NodeRecord[] = nodes.map((node, i) => ({
      _id: i,
      _labels: node.labels,
      properties: node.properties,
    }));
    const r: RelationshipRecord[] =
      n.length === 0
        ? []
        : relationships.map(([s, e, type], i) => ({
            _id: i,
            _type: type,
            _start_id: s % n.length,
            _end_id: e % n.length,
            properties: {},
          }));
    return { nodes: n, relationships: r };
  });

type Layout = "lines" | "reindented" | "minified" | "v1" | "v1-crlf-bom" | "apoc" | "not-json";

/** The graph as a file of the given layout. */
function render(layout: Layout, g: { nodes: NodeRecord[]; relationships: RelationshipRecord[] }): string {
  const lines = buildDocument(g.nodes, g.relationships);
  const doc = JSON.parse(lines);
  switch (layout) {
    case "lines":
      return lines;
    case "reindented":
      return JSON.stringify(doc, null, 2);
    case "minified":
      return JSON.stringify(doc);
    case "v1":
    case "v1-crlf-bom": {
      const v1 = {
        metadata: {
          timestamp: "20250128_143022",
          node_count: g.nodes.length,
          relationship_count: g.relationships.length,
        },
        data: {
          nodes: g.nodes.map((n) => ({ ...n.properties, _labels: n._labels, _id: n._id })),
          relationships: g.relationships.map((r) => ({
            _type: r._type,
            _id: r._id,
            _start_id: r._start_id,
            _end_id: r._end_id,
          })),
        },
      };
      const text = JSON.stringify(v1, null, 2);
      return layout === "v1" ? text : `\uFEFF${text.replaceAll("\n", "\r\n")}`;
    }
    case "apoc":
      return [
        ...g.nodes.map((n) =>
          JSON.stringify({ type: "node", id: String(n._id), labels: n._labels, properties: n.properties }),
        ),
        ...g.relationships.map((r) =>
          JSON.stringify({
            type: "relationship",
            id: String(r._id),
            label: r._type,
            start: { id: String(r._start_id) },
            end: { id: String(r._end_id) },
          }),
        ),
      ].join("\n");
    default:
      return `not JSON at all: ${lines.slice(0, 200)}`;
  }
}

const openFds = () => readdirSync("/proc/self/fd").length;

function closed(stream: ReadStream): Promise<void> {
  if (stream.closed) return Promise.resolve();
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error("the file was left open")), 10_000);
    stream.once("close", () => {
      clearTimeout(timer);
      resolve();
    });
  });
}

const unhandled: unknown[] = [];
const record = (error: unknown) => unhandled.push(error);
beforeAll(() => {
  process.on("unhandledRejection", record);
  process.on("uncaughtException", record);
  return () => {
    process.off("unhandledRejection", record);
    process.off("uncaughtException", record);
  };
});

describe("readBackupEvents stopped early", () => {
  it("closes the file and raises nothing unhandled, at any point, on every layout", async () => {
    const fdsBefore = openFds();
    let file = 0;
    await fc.assert(
      fc.asyncProperty(
        graph,
        fc.constantFrom<Layout>("lines", "reindented", "minified", "v1", "v1-crlf-bom", "apoc", "not-json"),
        fc.nat({ max: 30 }),
        fc.constantFrom("break", "abort", "throw", "return", "truncate"),
        fc.integer({ min: 1, max: 200 }),
        async (g, layout, stopAfter, how, chunkSize) => {
          let text = render(layout, g);
          if (how === "truncate") text = text.slice(0, Math.floor(text.length / 2));
          const path = join(dir, `f${file++}.json`);
          writeFileSync(path, text);
          const stream = createReadStream(path, { highWaterMark: chunkSize });
          const controller = new AbortController();
          let seen = 0;
          try {
            const events = readBackupEvents(stream, { signal: controller.signal });
            if (how === "return") {
              await events.next();
              await events.return(undefined);
            } else {
              for await (const _ of events) {
                if (seen++ < stopAfter) continue;
                if (how === "break") break;
                if (how === "abort") controller.abort(new Error("stopped"));
                if (how === "throw") throw new Error("the caller's own error");
              }
            }
          } catch {
            // format errors, the abort and the caller's error end the read; what matters is what is left
          }
          await closed(stream);
          expect(stream.destroyed).toBe(true);
          await new Promise((resolve) => setImmediate(resolve));
          expect(unhandled).toEqual([]);
        },
      ),
      { numRuns: 300 },
    );
    expect(openFds()).toBeLessThanOrEqual(fdsBefore);
  }, 120_000);
});
